// Exercise cards: autosave a moment after typing stops, keep the draft in the browser while
// the phone is offline and save it when the connection is back, add list items and table
// rows, and show a group mate's conflicting save instead of overwriting it.
(function () {
  "use strict";
  var form = document.querySelector("form[data-autosave]");
  if (!form) { return; }
  var url = form.getAttribute("data-autosave");
  var key = "crmlab:draft:" + form.getAttribute("data-key");
  var status = form.querySelector(".save-status");
  var conflictBox = form.querySelector(".conflict");
  var versionInput = form.querySelector('input[name="version"]');
  var timer = null, saving = false, dirty = false, blocked = false;

  function csrf() {
    var el = form.querySelector('input[name="_csrf"]');
    return el ? el.value : "";
  }
  function say(text, cls) {
    status.textContent = text;
    status.className = "save-status" + (cls ? " " + cls : "");
  }
  function entries() {
    var out = [];
    new FormData(form).forEach(function (v, k) {
      if (k !== "_csrf") { out.push([k, v]); }
    });
    return out;
  }
  function remember() {
    try {
      localStorage.setItem(key, JSON.stringify({ version: versionInput.value, at: Date.now(), entries: entries() }));
    } catch (e) { /* private mode: the server copy still works */ }
  }
  function forget() {
    try { localStorage.removeItem(key); } catch (e) {}
  }
  function showErrors(errors) {
    form.querySelectorAll(".field-error").forEach(function (p) { p.textContent = ""; });
    (errors || []).forEach(function (e) {
      var p = form.querySelector('.field-error[data-error-for="' + e.field + '"]');
      if (p) { p.textContent += e.message + " "; }
    });
  }
  function showConflict(res) {
    blocked = true;
    var box = conflictBox;
    box.textContent = "";
    var p = document.createElement("p");
    p.textContent = res.message;
    box.appendChild(p);
    if (res.changed && res.changed.length) {
      var ul = document.createElement("ul");
      res.changed.forEach(function (c) {
        var li = document.createElement("li");
        li.textContent = c.label + "：" + (c.value || "（已清空）");
        ul.appendChild(li);
      });
      box.appendChild(ul);
    }
    var btn = document.createElement("button");
    btn.type = "button";
    btn.className = "primary";
    btn.textContent = "载入最新内容（你的修改会保留在本机，可以对照）";
    btn.addEventListener("click", function () { location.reload(); });
    box.appendChild(btn);
    box.hidden = false;
    say("未保存：内容有冲突", "bad");
  }
  function save() {
    timer = null;
    if (saving || blocked) { return; }
    if (!navigator.onLine) { say("离线：草稿暂存在本机，联网后自动保存", "warn"); return; }
    saving = true;
    dirty = false;
    var body = new FormData(form);
    fetch(url, {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRF-Token": csrf() }
    }).then(function (r) {
      return r.json().then(function (res) { return { status: r.status, res: res }; });
    }).then(function (x) {
      saving = false;
      if (x.status === 200 && x.res.ok) {
        versionInput.value = x.res.version;
        showErrors([]);
        if (dirty) { remember(); schedule(); } else { forget(); }
        say("已保存 " + x.res.saved_at, "ok");
      } else if (x.status === 409 && x.res.changed) {
        showConflict(x.res);
      } else if (x.status === 422) {
        showErrors(x.res.errors);
        say(x.res.message, "bad");
      } else {
        say(x.res.message || "保存失败，稍后会重试", "bad");
      }
    }).catch(function () {
      saving = false;
      dirty = true;
      say("网络断开：草稿暂存在本机，联网后自动保存", "warn");
    });
  }
  function schedule() {
    if (timer) { clearTimeout(timer); }
    timer = setTimeout(save, 1200);
  }
  function changed() {
    if (blocked) { remember(); return; }
    dirty = true;
    remember();
    say("正在编辑…");
    schedule();
  }
  form.addEventListener("input", changed);
  form.addEventListener("change", changed);
  window.addEventListener("online", function () { if (dirty || localStorage.getItem(key)) { save(); } });
  window.addEventListener("beforeunload", function (e) {
    if (dirty && !blocked) { remember(); }
  });

  // A draft typed while offline, or before the page was closed, comes back on the next
  // visit if it was based on the version the server still has.
  try {
    var saved = JSON.parse(localStorage.getItem(key) || "null");
    if (saved && saved.version === versionInput.value) {
      restore(saved.entries);
      say("已恢复本机未保存的草稿，正在保存…", "warn");
      dirty = true;
      schedule();
    } else if (saved) {
      var note = document.createElement("details");
      note.className = "stale-draft";
      var sum = document.createElement("summary");
      sum.textContent = "本机还有一份较早的未保存草稿（其他人已保存过新版本），点开查看";
      note.appendChild(sum);
      var pre = document.createElement("pre");
      pre.textContent = saved.entries.filter(function (e) { return e[1] && e[0] !== "version"; })
        .map(function (e) { return e[1]; }).join("\n");
      note.appendChild(pre);
      form.insertBefore(note, form.firstChild);
      forget();
    }
  } catch (e) {}

  function restore(list) {
    var byName = {};
    list.forEach(function (e) { (byName[e[0]] = byName[e[0]] || []).push(e[1]); });
    Object.keys(byName).forEach(function (name) {
      if (name === "version") { return; }
      ensureInput(name, byName[name].length);
      var els = form.querySelectorAll('[name="' + CSS.escape(name) + '"]');
      els.forEach(function (el, i) {
        if (el.type === "checkbox" || el.type === "radio") {
          el.checked = byName[name].indexOf(el.value) >= 0;
        } else if (i < byName[name].length) {
          el.value = byName[name][i];
        }
      });
    });
  }
  // ensureInput adds list items or table rows until a restored name has a place to go.
  function ensureInput(name, count) {
    var m = /^f\.([^.]+)\.(item|r(\d+)|q(\d+))/.exec(name);
    if (!m) { return; }
    var field = form.querySelector('[data-field="' + m[1] + '"]');
    if (!field) { return; }
    if (m[2] === "item") {
      while (field.querySelectorAll("li").length < count && addItem(field)) {}
    } else {
      var want = parseInt(m[3] || m[4], 10) + 1;
      while (field.querySelectorAll(".row").length < want && addRow(field)) {}
    }
  }

  function addItem(field) {
    var list = field.querySelector("ol.items");
    var max = parseInt(list.getAttribute("data-max"), 10) || 0;
    var items = list.querySelectorAll("li");
    if (max && items.length >= max) { return false; }
    var li = items[items.length - 1].cloneNode(true);
    var input = li.querySelector("input");
    input.value = "";
    input.setAttribute("aria-label", input.getAttribute("aria-label").replace(/\d+ 项$/, (items.length + 1) + " 项"));
    list.appendChild(li);
    return true;
  }
  function addRow(field) {
    var rows = field.querySelector(".rows");
    var max = parseInt(rows.getAttribute("data-max"), 10) || 0;
    var all = rows.querySelectorAll(".row");
    if (max && all.length >= max) { return false; }
    var last = all[all.length - 1];
    var n = all.length;
    var row = last.cloneNode(true);
    row.setAttribute("data-row", n);
    row.querySelector("legend").textContent = row.querySelector("legend").textContent.replace(/\d+/, n + 1);
    row.querySelectorAll("[name]").forEach(function (el) {
      el.name = el.name.replace(/\.(r|q)\d+\./, ".$1" + n + ".");
      el.value = "";
    });
    rows.appendChild(row);
    return true;
  }
  form.addEventListener("click", function (e) {
    var b = e.target.closest("button[data-add-item], button[data-add-row]");
    if (!b) { return; }
    var field = b.closest(".field");
    var ok = b.hasAttribute("data-add-item") ? addItem(field) : addRow(field);
    if (!ok) { b.disabled = true; b.textContent = "已达到上限"; }
  });
})();
