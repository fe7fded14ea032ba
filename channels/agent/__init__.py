"""The human agent's side: the hand-off queue, replies into the citizen's channel, the console page."""
