/* govassist web chat widget — embed with one tag:
 *   <script src="https://GATEWAY/widget/govassist-widget.js" defer></script>
 * Options (data- attributes on the script tag): data-title, data-open="true".
 * WebSocket with automatic reconnect, REST fallback, history across reloads,
 * quick replies, typing indicator, feedback buttons, elderly mode (适老化), IME-safe Enter.
 * Bot text is always inserted with textContent: no HTML from the server is ever interpreted.
 */
(function () {
  "use strict";
  var script = document.currentScript || document.querySelector('script[src*="govassist-widget"]');
  var base = new URL(script.src, location.href).origin;
  var title = script.getAttribute("data-title") || "示例市政务服务智能助手";
  var KEY = "govassist.sender", ELDER = "govassist.elderly";

  function senderId() {
    var id = localStorage.getItem(KEY);
    if (!id) {
      id = "w" + Date.now().toString(36) + Math.random().toString(36).slice(2, 10);
      localStorage.setItem(KEY, id);
    }
    return id;
  }
  var sender = senderId();

  var css = [
    ".gva-launch{position:fixed;right:16px;bottom:16px;z-index:2147483000;border:0;border-radius:28px;",
    "padding:14px 20px;background:#c8102e;color:#fff;font-size:16px;box-shadow:0 2px 8px rgba(0,0,0,.3);cursor:pointer}",
    ".gva-panel{position:fixed;right:16px;bottom:16px;z-index:2147483001;width:min(380px,calc(100vw - 32px));",
    "height:min(600px,calc(100vh - 32px));display:none;flex-direction:column;background:#fff;border-radius:12px;",
    "box-shadow:0 4px 24px rgba(0,0,0,.25);font:15px/1.5 system-ui,'PingFang SC','Noto Sans CJK SC',sans-serif;color:#222}",
    ".gva-panel.gva-open{display:flex}",
    "@media (max-width:480px){.gva-panel{right:0;bottom:0;width:100vw;height:100vh;border-radius:0}}",
    ".gva-head{display:flex;align-items:center;gap:8px;padding:10px 12px;background:#c8102e;color:#fff;border-radius:12px 12px 0 0}",
    ".gva-head h2{flex:1;margin:0;font-size:16px}",
    ".gva-head button{background:transparent;color:#fff;border:1px solid rgba(255,255,255,.7);border-radius:6px;padding:4px 8px;font-size:14px;cursor:pointer}",
    ".gva-log{flex:1;overflow-y:auto;padding:12px;background:#f6f6f6}",
    ".gva-msg{max-width:85%;margin:6px 0;padding:8px 12px;border-radius:10px;white-space:pre-wrap;word-break:break-word}",
    ".gva-bot{background:#fff;border:1px solid #e3e3e3}",
    ".gva-user{background:#c8102e;color:#fff;margin-left:auto}",
    ".gva-agent{background:#fff7d6;border:1px solid #e8d27a}",
    ".gva-btns{display:flex;flex-wrap:wrap;gap:6px;margin-top:6px}",
    ".gva-btns button,.gva-fb button{border:1px solid #c8102e;background:#fff;color:#c8102e;border-radius:16px;padding:4px 12px;cursor:pointer;font-size:14px}",
    ".gva-fb{display:flex;gap:6px;margin-top:4px;font-size:12px;color:#666;align-items:center}",
    ".gva-fb button{font-size:12px;padding:2px 8px}",
    ".gva-link{display:inline-block;margin-top:6px;color:#0b57d0}",
    ".gva-typing{padding:0 12px 6px;color:#666;font-size:13px;min-height:20px;background:#f6f6f6}",
    ".gva-form{display:flex;gap:8px;padding:10px;border-top:1px solid #ddd}",
    ".gva-form textarea{flex:1;resize:none;height:42px;padding:8px;border:1px solid #bbb;border-radius:8px;font:inherit}",
    ".gva-form button{border:0;border-radius:8px;padding:0 16px;background:#c8102e;color:#fff;font-size:15px;cursor:pointer}",
    ".gva-status{font-size:12px;color:#fff;opacity:.85}",
    ".gva-panel :focus-visible{outline:3px solid #ffbf47;outline-offset:2px}",
    /* elderly mode: large type, high contrast, simple layout */
    ".gva-elderly{font-size:22px;line-height:1.6;color:#000}",
    ".gva-elderly .gva-head{background:#000}",
    ".gva-elderly .gva-log,.gva-elderly .gva-typing{background:#fff}",
    ".gva-elderly .gva-bot{border:2px solid #000}",
    ".gva-elderly .gva-user{background:#000}",
    ".gva-elderly .gva-btns button,.gva-elderly .gva-fb button{font-size:20px;padding:8px 16px;border:2px solid #000;color:#000}",
    ".gva-elderly .gva-form textarea{font-size:22px;height:64px;border:2px solid #000}",
    ".gva-elderly .gva-form button{font-size:22px;background:#000}",
    ".gva-elderly .gva-fb{font-size:18px;color:#000;flex-wrap:wrap}"
  ].join("");

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  var style = el("style"); style.textContent = css; document.head.appendChild(style);
  var launch = el("button", "gva-launch", "政务咨询"); launch.type = "button";
  launch.setAttribute("aria-haspopup", "dialog"); launch.setAttribute("aria-label", "打开政务服务智能助手");
  var panel = el("section", "gva-panel"); panel.setAttribute("role", "dialog");
  panel.setAttribute("aria-label", title); panel.id = "govassist-chat";
  var head = el("div", "gva-head");
  var h = el("h2", "", title);
  var status = el("span", "gva-status", ""); status.setAttribute("aria-live", "polite");
  var elderBtn = el("button", "gva-elder", "长辈模式"); elderBtn.type = "button";
  elderBtn.setAttribute("aria-pressed", "false");
  var closeBtn = el("button", "gva-close", "关闭"); closeBtn.type = "button";
  closeBtn.setAttribute("aria-label", "关闭对话窗口");
  head.append(h, status, elderBtn, closeBtn);
  var log = el("div", "gva-log"); log.setAttribute("role", "log"); log.setAttribute("aria-live", "polite");
  log.setAttribute("aria-label", "对话记录");
  var typing = el("div", "gva-typing", ""); typing.setAttribute("aria-live", "polite");
  var form = el("form", "gva-form");
  var input = el("textarea"); input.setAttribute("aria-label", "输入您的问题");
  input.placeholder = "请输入您的问题，按回车发送"; input.maxLength = 2000; input.rows = 1;
  var send = el("button", "gva-send", "发送"); send.type = "submit";
  form.append(input, send);
  panel.append(head, log, typing, form);
  document.body.append(launch, panel);

  function setElderly(on) {
    panel.classList.toggle("gva-elderly", on);
    elderBtn.setAttribute("aria-pressed", on ? "true" : "false");
    elderBtn.textContent = on ? "标准模式" : "长辈模式";
    localStorage.setItem(ELDER, on ? "1" : "0");
  }
  setElderly(localStorage.getItem(ELDER) === "1");
  elderBtn.addEventListener("click", function () { setElderly(!panel.classList.contains("gva-elderly")); });

  function open() { panel.classList.add("gva-open"); launch.style.display = "none"; input.focus(); connect(); }
  function close() { panel.classList.remove("gva-open"); launch.style.display = ""; launch.focus(); }
  launch.addEventListener("click", open);
  closeBtn.addEventListener("click", close);
  panel.addEventListener("keydown", function (e) { if (e.key === "Escape") close(); });

  function scroll() { log.scrollTop = log.scrollHeight; }

  var lastQuestion = "";
  function feedback(text, helpful, box) {
    fetch(base + "/api/chat/feedback", {
      method: "POST", headers: {"Content-Type": "application/json"},
      body: JSON.stringify({sender_id: sender, answer: text.slice(0, 500), helpful: helpful,
        question: lastQuestion.slice(0, 2000)})
    }).catch(function () {});
    box.textContent = helpful ? "感谢您的评价！" : "感谢反馈，我们会改进。";
  }

  function addMessage(role, m, live, via) {
    var bubble = el("div", "gva-msg gva-" + role, m.text || "");
    if (via) bubble.setAttribute("data-via", via);
    if (m.link) {
      var a = el("a", "gva-link", "打开链接 / 下载申请表");
      var href = String(m.link);
      if (/^https?:\/\//i.test(href) || href.charAt(0) === "/") { a.href = href; a.target = "_blank"; a.rel = "noopener"; }
      bubble.appendChild(el("br")); bubble.appendChild(a);
    }
    log.appendChild(bubble);
    if (m.buttons && m.buttons.length) {
      var btns = el("div", "gva-btns"); btns.setAttribute("role", "group"); btns.setAttribute("aria-label", "快捷回复");
      m.buttons.forEach(function (b) {
        var bt = el("button", "", b.title); bt.type = "button";
        bt.addEventListener("click", function () { submit(b.payload, b.title); });
        btns.appendChild(bt);
      });
      log.appendChild(btns);
    }
    if (role === "bot" && live && m.text && m.text.length > 30 && !(m.buttons && m.buttons.length)) {
      var fb = el("div", "gva-fb"); fb.appendChild(el("span", "", "这个回答有帮助吗？"));
      var yes = el("button", "", "有帮助"), no = el("button", "", "没帮助");
      yes.type = no.type = "button";
      yes.setAttribute("aria-label", "这个回答有帮助"); no.setAttribute("aria-label", "这个回答没帮助");
      yes.addEventListener("click", function () { feedback(m.text, true, fb); });
      no.addEventListener("click", function () { feedback(m.text, false, fb); });
      fb.append(yes, no); log.appendChild(fb);
    }
    scroll();
  }

  var ws = null, wsTries = 0, restMode = false, pollTimer = null, pending = 0;
  var reconnects = 0, everConnected = false; // reconnects: socket re-opened after a drop

  function setTyping(on) { typing.textContent = on ? "助手正在输入…" : ""; }

  function showReplies(messages, via) {
    setTyping(false);
    (messages || []).forEach(function (m) { addMessage(m.role === "agent" ? "agent" : "bot", m, true, via); });
  }

  function showError(text) {
    setTyping(false); addMessage("bot", {text: text || "抱歉，消息发送失败，请重试。"}, false);
  }

  function connect() {
    if (ws && (ws.readyState === 0 || ws.readyState === 1)) return;
    var proto = base.indexOf("https") === 0 ? "wss" : "ws";
    try { ws = new WebSocket(proto + base.slice(base.indexOf(":")) + "/ws/chat?sender_id=" + encodeURIComponent(sender)); }
    catch (e) { return fallback(); }
    ws.onopen = function () {
      if (everConnected) reconnects += 1;
      everConnected = true; panel.setAttribute("data-reconnects", String(reconnects));
      wsTries = 0; restMode = false; status.textContent = "在线"; panel.setAttribute("data-transport", "websocket"); stopPolling();
    };
    ws.onmessage = function (ev) {
      var data; try { data = JSON.parse(ev.data); } catch (e) { return; }
      if (data.type === "typing") setTyping(true);
      else if (data.type === "messages") { pending = Math.max(0, pending - 1); showReplies(data.messages, "websocket"); }
      else if (data.type === "push") showReplies(data.messages, "websocket");
      else if (data.type === "error") { pending = Math.max(0, pending - 1); showError(data.message); }
    };
    ws.onclose = function () {
      status.textContent = "重新连接中…"; panel.setAttribute("data-transport", "none");
      wsTries += 1;
      if (wsTries > 3) fallback();
      setTimeout(connect, Math.min(10000, 500 * Math.pow(2, wsTries)));
    };
  }

  function fallback() {
    restMode = true; status.textContent = "在线（兼容模式）"; panel.setAttribute("data-transport", "rest"); startPolling();
  }
  function poll() {
    fetch(base + "/api/chat/poll?sender_id=" + encodeURIComponent(sender))
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (d) { if (restMode) status.textContent = "在线（兼容模式）"; showReplies(d.messages, "poll"); })
      .catch(function () { if (restMode) { status.textContent = "暂时无法连接"; panel.setAttribute("data-transport", "none"); } });
  }
  function startPolling() {
    if (pollTimer) return;
    poll(); pollTimer = setInterval(poll, 3000);
  }
  function stopPolling() { if (pollTimer) { clearInterval(pollTimer); pollTimer = null; } }

  function submit(text, shown) {
    text = String(text || "").trim();
    if (!text) return;
    addMessage("user", {text: shown || text}, false);
    lastQuestion = shown || text;
    setTyping(true);
    if (ws && ws.readyState === 1 && !restMode) {
      pending += 1; ws.send(JSON.stringify({text: text}));
      return;
    }
    fetch(base + "/api/chat", {method: "POST", headers: {"Content-Type": "application/json"},
      body: JSON.stringify({sender_id: sender, text: text})})
      .then(function (r) { return r.json(); })
      .then(function (d) {
        if (restMode) { status.textContent = "在线（兼容模式）"; panel.setAttribute("data-transport", "rest"); }
        var tooLong = (d.detail || []).filter(function (e) { return e.type === "string_too_long"; })[0];
        if (tooLong) return showError(tooLong.msg);
        showReplies(d.messages || [{text: "抱歉，系统正忙，请稍后再试。"}], "rest");
      })
      .catch(function () { showReplies([{text: "网络连接失败，请检查网络后重试。"}]); });
  }

  form.addEventListener("submit", function (e) { e.preventDefault(); submit(input.value); input.value = ""; });
  var composing = false;
  input.addEventListener("compositionstart", function () { composing = true; });
  input.addEventListener("compositionend", function () { setTimeout(function () { composing = false; }, 0); });
  input.addEventListener("keydown", function (e) {
    // Enter that confirms a pinyin candidate (IME composition) must not send the message.
    if (e.key !== "Enter" || e.shiftKey) return;
    if (e.isComposing || composing || e.keyCode === 229) return;
    e.preventDefault(); submit(input.value); input.value = "";
  });

  function loadHistory() {
    fetch(base + "/api/chat/history?sender_id=" + encodeURIComponent(sender)).then(function (r) { return r.json(); })
      .then(function (d) {
        (d.turns || []).forEach(function (t) {
          addMessage(t.role === "user" ? "user" : (t.role === "agent" ? "agent" : "bot"), t, false);
        });
        if (!(d.turns || []).length) addMessage("bot", {text: "您好！我是示例市政务服务智能助手，可以解答办事问题、帮您预填申请表、受理投诉建议。"}, false);
      }).catch(function () {});
  }
  loadHistory();
  if (script.getAttribute("data-open") === "true" || sessionStorage.getItem("govassist.open") === "1") open();
  launch.addEventListener("click", function () { sessionStorage.setItem("govassist.open", "1"); });
  closeBtn.addEventListener("click", function () { sessionStorage.setItem("govassist.open", "0"); });
  function connection() {
    return {transport: panel.getAttribute("data-transport") || "none", socketOpen: !!(ws && ws.readyState === 1),
      reconnects: reconnects};
  }
  window.GovAssistWidget = {open: open, close: close, sender: sender, send: submit, connection: connection};
})();
