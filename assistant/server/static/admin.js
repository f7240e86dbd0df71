/* Service statistics (/admin, admins only): conversations, answers, hand-offs, agent-assist
 * feedback, and the service packages with their follow-ups (跟踪问效), from
 * GET /v1/admin/stats. Refreshed every minute while the page is visible.
 */
"use strict";

(function () {
  const J = window.Jiuye;
  const el = J.el;
  const REFRESH_MS = 60000;

  const $ = (id) => document.getElementById(id);
  const nodes = {
    me: $("me"),
    logout: $("logout"),
    status: $("stats-status"),
    error: $("stats-error"),
    serviceFigures: $("service-figures"),
    handoffCounts: $("handoff-counts"),
    handoffReasons: $("handoff-reasons"),
    feedbackCounts: $("feedback-counts"),
    packageFigures: $("package-figures"),
    packageGroups: $("package-groups"),
    packageOutcomes: $("package-outcomes"),
  };

  const TICKET_STATUS = { open: "待认领", claimed: "处理中", closed: "已结束" };
  const FEEDBACK = { displayed: "展示建议", copied: "复制建议", helpful: "有帮助", not_helpful: "没帮助" };

  function rateText(rate) {
    return rate === null || rate === undefined ? "—" : (rate * 100).toFixed(1) + "%";
  }

  function figures(container, items) {
    J.clear(container);
    for (const [label, value, testid] of items) {
      container.appendChild(
        el(
          "div",
          { className: "figure", "data-testid": testid },
          el("span", { className: "figure-value", "data-testid": testid + "-value", text: String(value) }),
          el("span", { className: "figure-label", text: label })
        )
      );
    }
  }

  /** Rows of "label | count", in the order of `labels`, then any key the page does not know. */
  function counts(body, values, labels, testid) {
    J.clear(body);
    const given = values || {};
    const keys = Object.keys(labels).filter((k) => k in given);
    for (const key of Object.keys(given)) if (keys.indexOf(key) < 0) keys.push(key);
    for (const key of keys) {
      body.appendChild(
        el(
          "tr",
          { "data-testid": testid, "data-key": key },
          el("th", { scope: "row", text: labels[key] || key }),
          el("td", { className: "number", text: String(given[key]) })
        )
      );
    }
    if (!keys.length) body.appendChild(el("tr", null, el("td", { className: "empty", colspan: "2", text: "暂无" })));
  }

  function render(stats) {
    figures(nodes.serviceFigures, [
      ["会话", stats.sessions, "stat-sessions"],
      ["用户消息", stats.turns, "stat-turns"],
      ["助手回复", stats.answers, "stat-answers"],
      ["解答率", rateText(stats.answer_rate), "stat-answer-rate"],
      ["人工回复", stats.caseworker_replies, "stat-caseworker-replies"],
    ]);
    counts(nodes.handoffCounts, stats.handoffs, TICKET_STATUS, "handoff-count");
    const labels = stats.labels || {};
    counts(nodes.handoffReasons, stats.handoff_reasons, labels.handoff_reasons || {}, "handoff-reason");
    counts(nodes.feedbackCounts, stats.feedback, FEEDBACK, "feedback-count");
    const packages = stats.packages || {};
    figures(nodes.packageFigures, [
      ["已发放服务包", packages.issued || 0, "stat-packages-issued"],
      ["未识别重点群体", packages.without_key_group || 0, "stat-packages-without-group"],
      ["已回访", packages.follow_ups_asked || 0, "stat-follow-ups-asked"],
      ["已答复", packages.follow_ups_answered || 0, "stat-follow-ups-answered"],
      ["回访答复率", rateText(packages.response_rate), "stat-response-rate"],
    ]);
    counts(nodes.packageGroups, packages.by_key_group, labels.key_groups || {}, "package-group");
    counts(nodes.packageOutcomes, packages.outcomes, labels.outcomes || {}, "package-outcome");
    nodes.status.textContent = "更新于 " + J.timeText(new Date().toISOString());
  }

  async function load() {
    try {
      const stats = await J.api("/v1/admin/stats");
      J.showMessage(nodes.error, "");
      render(stats || {});
    } catch (exc) {
      if (exc.status === 401) {
        J.toLogin();
        return;
      }
      J.showMessage(nodes.error, exc.message);
    }
  }

  J.setupAccount(nodes.me, nodes.logout).catch((exc) => {
    if (exc.status === 401) J.toLogin();
  });
  load();
  window.setInterval(() => {
    if (!document.hidden) load();
  }, REFRESH_MS);
})();
