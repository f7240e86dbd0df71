/* Agent assist (/agent): a hotline agent types (or pastes) what is said on a call and reads
 * suggested answers, each with the passage that decides it and its sources.
 *
 * Every change to the call is sent whole to POST /v1/assist, debounced; a response that
 * arrives after a newer request was started (or after 新来电) is dropped.
 */
"use strict";

(function () {
  const J = window.Jiuye;
  const el = J.el;
  const DEBOUNCE_MS = 400;

  const $ = (id) => document.getElementById(id);
  const nodes = {
    me: $("me"),
    logout: $("logout"),
    region: $("region"),
    newCall: $("new-call"),
    callId: $("call-id"),
    modeSingle: $("mode-single"),
    modePaste: $("mode-paste"),
    utterances: $("utterances"),
    empty: $("utterances-empty"),
    form: $("utterance-form"),
    speaker: $("speaker"),
    text: $("utterance-text"),
    pasteForm: $("paste-form"),
    pasteText: $("paste-text"),
    inputError: $("input-error"),
    status: $("assist-status"),
    error: $("assist-error"),
    summary: $("summary"),
    flags: $("flags"),
    suggestions: $("suggestions"),
    checks: $("checks"),
    nextActions: $("next-actions"),
  };

  const state = {
    callId: null,
    utterances: [],
    timer: null,
    sequence: 0,
    displayed: new Set(), // suggestion ids reported as displayed in this call
    feedback: new Map(), // suggestion id -> "helpful" | "not_helpful"
  };

  J.setupAccount(nodes.me, nodes.logout).catch((exc) => {
    if (exc.status === 401) J.toLogin();
  });

  J.fillRegionSelect(nodes.region, "默认地区");
  try {
    nodes.region.value = window.localStorage.getItem("jiuye.agent.region") || "";
  } catch (exc) {
    nodes.region.value = "";
  }
  if (nodes.region.selectedIndex < 0) nodes.region.value = "";
  nodes.region.addEventListener("change", () => {
    try {
      window.localStorage.setItem("jiuye.agent.region", nodes.region.value);
    } catch (exc) {
      /* not remembered */
    }
    schedule();
  });

  // -- the call -----------------------------------------------------------------------------

  function newCall() {
    state.callId = J.newId();
    state.utterances = [];
    state.sequence += 1; // drops any answer still on its way
    window.clearTimeout(state.timer);
    state.displayed = new Set();
    state.feedback = new Map();
    nodes.callId.textContent = state.callId;
    J.clear(nodes.utterances);
    nodes.empty.hidden = false;
    J.showMessage(nodes.error, "");
    J.showMessage(nodes.inputError, "");
    nodes.status.textContent = "";
    renderResult(null);
  }

  nodes.newCall.addEventListener("click", () => {
    newCall();
    nodes.text.focus();
  });

  function setMode(paste) {
    nodes.modeSingle.setAttribute("aria-pressed", paste ? "false" : "true");
    nodes.modePaste.setAttribute("aria-pressed", paste ? "true" : "false");
    nodes.form.hidden = paste;
    nodes.pasteForm.hidden = !paste;
    (paste ? nodes.pasteText : nodes.text).focus();
  }
  nodes.modeSingle.addEventListener("click", () => setMode(false));
  nodes.modePaste.addEventListener("click", () => setMode(true));

  nodes.form.addEventListener("submit", (event) => {
    event.preventDefault();
    addFromForm();
  });
  nodes.text.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing && event.keyCode !== 229) {
      event.preventDefault();
      addFromForm();
    }
  });

  function addFromForm() {
    const text = nodes.text.value.trim();
    if (!text) {
      J.showMessage(nodes.inputError, "请输入这句话的内容。");
      return;
    }
    J.showMessage(nodes.inputError, "");
    addUtterances([{ speaker: nodes.speaker.value === "agent" ? "agent" : "caller", text: text }]);
    nodes.text.value = "";
    nodes.text.focus();
  }

  nodes.pasteForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const parsed = parseTranscript(nodes.pasteText.value, nodes.speaker.value === "agent" ? "agent" : "caller");
    if (!parsed.length) {
      J.showMessage(nodes.inputError, "没有识别到对话内容：请每行以“来电人：”或“坐席：”开头。");
      return;
    }
    J.showMessage(nodes.inputError, "");
    addUtterances(parsed);
    nodes.pasteText.value = "";
  });

  const CALLER = /^(来电人|来电者|来电|市民|群众|客户|用户|caller|customer|user)$/i;
  const AGENT = /^(坐席|客服|话务员|接线员|工作人员|agent|operator)$/i;
  const LINE = /^\s*([^:：]{1,10})\s*[:：]\s*(.*)$/;

  /**
   * "来电人：…" / "坐席：…" (or caller: / agent:) lines become utterances; a line without a
   * known speaker continues the previous utterance (or starts one for `fallback`).
   */
  function parseTranscript(text, fallback) {
    const out = [];
    for (const raw of String(text || "").split(/\r?\n/)) {
      const line = raw.trim();
      if (!line) continue;
      const match = LINE.exec(line);
      let speaker = null;
      let said = line;
      if (match) {
        const who = match[1].trim();
        if (CALLER.test(who)) speaker = "caller";
        else if (AGENT.test(who)) speaker = "agent";
        if (speaker) said = match[2].trim();
      }
      if (speaker) {
        if (said) out.push({ speaker: speaker, text: said });
        else out.push({ speaker: speaker, text: "" });
      } else if (out.length) {
        const last = out[out.length - 1];
        last.text = last.text ? last.text + "\n" + said : said;
      } else {
        out.push({ speaker: fallback, text: said });
      }
    }
    return out.filter((u) => u.text);
  }

  function addUtterances(list) {
    for (const utterance of list) {
      state.utterances.push(utterance);
      const label = utterance.speaker === "agent" ? "坐席" : "来电人";
      nodes.utterances.appendChild(
        el(
          "li",
          { className: "utterance " + utterance.speaker, "data-testid": "utterance", "data-speaker": utterance.speaker },
          el("span", { className: "who", text: label }),
          utterance.text
        )
      );
    }
    nodes.empty.hidden = state.utterances.length > 0;
    const last = nodes.utterances.lastElementChild;
    if (last) last.scrollIntoView({ block: "nearest" });
    schedule();
  }

  // -- asking for help ----------------------------------------------------------------------

  function schedule() {
    if (!state.utterances.length) return;
    window.clearTimeout(state.timer);
    nodes.status.textContent = "正在分析…";
    state.timer = window.setTimeout(assist, DEBOUNCE_MS);
  }

  async function assist() {
    const sequence = ++state.sequence;
    const callId = state.callId;
    nodes.status.textContent = "正在分析…";
    let result;
    try {
      result = await J.api("/v1/assist", {
        body: {
          call_id: callId,
          utterances: state.utterances.map((u) => ({ speaker: u.speaker, text: u.text })),
          region: nodes.region.value || null,
        },
      });
    } catch (exc) {
      if (sequence !== state.sequence) return;
      if (exc.status === 401) {
        J.toLogin();
        return;
      }
      nodes.status.textContent = "";
      J.showMessage(nodes.error, exc.message || "暂时无法获取建议，请稍后再试。");
      return;
    }
    if (sequence !== state.sequence || callId !== state.callId) return;
    J.showMessage(nodes.error, "");
    nodes.status.textContent = "已更新（" + J.timeText(new Date().toISOString()) + "）";
    renderResult(result);
  }

  const FLAG_LABELS = {
    pii: "对话中含个人信息，已脱敏",
    injection: "疑似提示注入，请留意",
    complaint: "来电人表达了投诉或不满",
    sensitive: "涉及敏感情况，请谨慎答复",
  };

  function renderResult(result) {
    J.clear(nodes.suggestions);
    J.clear(nodes.checks);
    J.clear(nodes.nextActions);
    J.clear(nodes.flags);
    if (!result) {
      nodes.summary.textContent = "—";
      return;
    }
    nodes.summary.textContent = result.summary || "—";
    for (const flag of result.flags || []) {
      const kind = String(flag).split(":")[0];
      nodes.flags.appendChild(el("li", { className: "badge badge-ask", text: FLAG_LABELS[kind] || String(flag) }));
    }
    const suggestions = result.suggestions || [];
    if (!suggestions.length) {
      nodes.suggestions.appendChild(el("li", { className: "empty", text: "暂无可引用的参考答复；如需要，可转人工服务专员处理。" }));
    }
    suggestions.forEach((suggestion, i) => {
      nodes.suggestions.appendChild(renderSuggestion(suggestion, i + 1));
      if (suggestion.id && !state.displayed.has(suggestion.id)) {
        state.displayed.add(suggestion.id);
        sendFeedback(suggestion.id, "displayed").catch(() => undefined);
      }
    });
    const checks = result.checks || [];
    if (!checks.length) nodes.checks.appendChild(el("li", { className: "empty", text: "暂无" }));
    for (const check of checks) nodes.checks.appendChild(renderCheck(check));
    const actions = result.next_actions || [];
    if (!actions.length) nodes.nextActions.appendChild(el("li", { className: "empty", text: "暂无" }));
    for (const action of actions) nodes.nextActions.appendChild(el("li", { "data-testid": "next-action", text: action }));
  }

  /**
   * A suggestion as the agent reads it out: the answer, then its legal basis with the
   * passage quoted, then its source once (label, region, validity; the source's own text
   * only when it says more than the quoted passage).
   */
  function renderSuggestion(suggestion, number) {
    const item = el("li", { className: "card suggestion", "data-testid": "suggestion", "data-suggestion-id": suggestion.id || "" });
    const sources = el("div", { className: "sources", "data-testid": "sources" });
    const answer = J.answerSources(suggestion.text, suggestion.citations || []);
    const numbers = new Set(answer.shown.map((entry) => entry.number));
    item.appendChild(el("span", { className: "muted small", text: "建议 " + number }));
    item.appendChild(
      J.renderRichText(answer.body, numbers, (n) => {
        const details = sources.querySelector('details[data-marker="' + n + '"]');
        if (details) details.open = true;
      })
    );
    const passage = String(suggestion.passage || "").trim();
    if (passage) {
      item.appendChild(el("p", { className: "muted small", text: "依据和原文：" }));
      item.appendChild(el("blockquote", { className: "passage", "data-testid": "passage", text: passage }));
    }
    if (answer.shown.length) sources.appendChild(el("p", { className: "sources-title", text: "来源" }));
    for (const entry of answer.shown) {
      const quote = J.plainQuote(entry.citation.quote);
      const quoted = !quote || sameWords(passage).indexOf(sameWords(quote)) >= 0;
      sources.appendChild(J.renderCitation(entry.citation, entry.number, { quote: !quoted }));
    }
    item.appendChild(sources);

    const actions = el("div", { className: "actions", role: "group", "aria-label": "对这条建议的操作" });
    const copy = el("button", { type: "button", className: "secondary", "data-testid": "copy", text: "复制" });
    const helpful = el("button", { type: "button", className: "secondary", "data-testid": "helpful", "aria-pressed": "false", text: "👍 有帮助" });
    const unhelpful = el("button", { type: "button", className: "secondary", "data-testid": "not-helpful", "aria-pressed": "false", text: "👎 没帮助" });
    const note = el("span", { className: "muted small", role: "status", "aria-live": "polite" });
    const chosen = state.feedback.get(suggestion.id);
    if (chosen === "helpful") helpful.setAttribute("aria-pressed", "true");
    if (chosen === "not_helpful") unhelpful.setAttribute("aria-pressed", "true");

    copy.addEventListener("click", async () => {
      const done = await J.copyText(suggestion.text || "");
      note.textContent = done ? "已复制" : "复制失败，请手动选择文字复制";
      if (done && suggestion.id) sendFeedback(suggestion.id, "copied").catch(() => undefined);
    });
    const choose = async (event, button, other) => {
      if (!suggestion.id || button.getAttribute("aria-pressed") === "true") return;
      button.disabled = true;
      try {
        await sendFeedback(suggestion.id, event);
        state.feedback.set(suggestion.id, event);
        button.setAttribute("aria-pressed", "true");
        other.setAttribute("aria-pressed", "false");
        note.textContent = "已记录反馈，谢谢";
      } catch (exc) {
        note.textContent = exc.message || "反馈未能记录，请重试";
      } finally {
        button.disabled = false;
      }
    };
    helpful.addEventListener("click", () => choose("helpful", helpful, unhelpful));
    unhelpful.addEventListener("click", () => choose("not_helpful", unhelpful, helpful));
    actions.appendChild(copy);
    actions.appendChild(helpful);
    actions.appendChild(unhelpful);
    actions.appendChild(note);
    item.appendChild(actions);
    return item;
  }

  function renderCheck(check) {
    const [label, tone] = J.eligibilityStatus(check.status);
    const item = el("li", { className: "card", "data-testid": "check", "data-status": check.status || "" });
    item.appendChild(
      el(
        "h4",
        { className: "card-title" },
        el("span", { text: check.title || check.policy_id || "政策" }),
        el("span", { className: "badge badge-" + tone, text: label })
      )
    );
    if (check.explanation) item.appendChild(el("p", { className: "small", text: check.explanation }));
    const missing = check.missing || [];
    if (missing.length) {
      const list = el("ul", { className: "small" });
      for (const fact of missing) list.appendChild(el("li", { text: "待问：" + (fact.question || fact.label || fact.name) }));
      item.appendChild(list);
    }
    return item;
  }

  /** Text compared by its words only: no spaces, line breaks or quotation marks. */
  function sameWords(text) {
    return String(text || "").replace(/[\s“”"「」…]/g, "");
  }

  function sendFeedback(suggestionId, event) {
    return J.api("/v1/assist/feedback", {
      body: { call_id: state.callId, suggestion_id: suggestionId, event: event },
    });
  }

  newCall();
})();
