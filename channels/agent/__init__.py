"""The human agent's side: hand-off queue, replies into the citizen's channel, console page."""
