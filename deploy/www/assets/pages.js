// The pages behind the links in the platform's e-mails. They only call the public API through the gateway and
// write every value with textContent, never as HTML. The token leaves the address bar (and so the history) at once.
"use strict";

const params = new URLSearchParams(location.search);
const linkToken = params.get("token") || "";
history.replaceState(null, "", location.pathname);

const statusLine = document.getElementById("status");
function say(text, isError = false) {
  statusLine.textContent = text;
  statusLine.className = isError ? "error" : "";
}

async function call(method, path, body, bearer) {
  const headers = { "Accept": "application/json, application/problem+json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (bearer) headers["Authorization"] = "Bearer " + bearer;
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  if (!response.ok) {
    let problem = {};
    try { problem = await response.json(); } catch (_) { /* not JSON */ }
    const fields = (problem.errors || []).map((e) => e.msg).join("; ");
    throw new Error([problem.detail || problem.title || "Request failed (" + response.status + ")", fields].filter(Boolean).join(" "));
  }
  return response;
}

function passwordPage(endpoint, doneText) {
  const form = document.getElementById("password-form");
  if (!linkToken) { say("This link is incomplete. Please use the link from the e-mail.", true); form.hidden = true; return; }
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const password = form.elements.password.value;
    if (password !== form.elements.repeat.value) { say("The two passwords differ.", true); return; }
    try {
      await call("POST", endpoint, { token: linkToken, password });
      form.hidden = true;
      say(doneText);
    } catch (error) { say(error.message, true); }
  });
}

function entry(list, term, value) {
  const dt = document.createElement("dt"); dt.textContent = term;
  const dd = document.createElement("dd"); dd.textContent = value === null || value === undefined || value === "" ? "–" : String(value);
  list.append(dt, dd);
}

function item(list, text) {
  const li = document.createElement("li"); li.textContent = text; list.append(li); return li;
}

async function download(path, bearer, filename) {
  const blob = await (await call("GET", path, undefined, bearer)).blob();
  const anchor = document.createElement("a");
  anchor.href = URL.createObjectURL(blob);
  anchor.download = filename;
  anchor.click();
  URL.revokeObjectURL(anchor.href);
}

function renderInvitations(view, bearer, reload) {
  const box = document.getElementById("invitations");
  if (!view.interview_invitations.length) return;
  box.replaceChildren();
  for (const invitation of view.interview_invitations) {
    const section = document.createElement("div");
    const heading = document.createElement("p");
    heading.textContent = "Where: " + invitation.location + (invitation.message ? " — " + invitation.message : "");
    section.append(heading);
    for (const slot of invitation.slots || []) {
      const slotId = slot.slot_id || slot.id;
      const line = document.createElement("p");
      line.textContent = new Date(slot.starts_at).toLocaleString() + " – " + new Date(slot.ends_at).toLocaleTimeString() + " ";
      if (invitation.chosen_slot_id === slotId) {
        line.append(" ✔ your choice");
      } else if (!invitation.chosen_slot_id) {
        const choose = document.createElement("button");
        choose.textContent = "Choose this time";
        choose.addEventListener("click", async () => {
          try { await call("POST", "/api/applicant/interview", { slot_id: slotId }, bearer); say("Your time is confirmed."); await reload(); }
          catch (error) { say(error.message, true); }
        });
        line.append(choose);
      }
      section.append(line);
    }
    box.append(section);
  }
}

async function applicationPage() {
  if (!linkToken) { say("This link is incomplete. Please use the link from the e-mail.", true); return; }
  let bearer;
  try {
    bearer = (await (await call("POST", "/api/applicant/session", { token: linkToken })).json()).access_token;
  } catch (error) {
    say("This link no longer works. You can ask for a new one on the job page. (" + error.message + ")", true);
    return;
  }
  async function load() {
    const view = await (await call("GET", "/api/applicant/application", undefined, bearer)).json();
    const summary = document.getElementById("summary");
    summary.replaceChildren();
    entry(summary, "Status", view.status);
    entry(summary, "Submitted", new Date(view.submitted_at).toLocaleString());
    entry(summary, "Deleted at the latest", view.deletion_date);
    entry(summary, "Deletion rule", view.deletion_rule);
    const applicant = document.getElementById("applicant");
    applicant.replaceChildren();
    for (const [key, value] of Object.entries(view.applicant || {})) entry(applicant, key.replaceAll("_", " "), value);
    const documents = document.getElementById("documents");
    documents.replaceChildren();
    for (const doc of view.documents) {
      const li = item(documents, doc.filename + " (" + Math.ceil(doc.size_bytes / 1024) + " KB) ");
      const open = document.createElement("button");
      open.textContent = "Download";
      open.addEventListener("click", () => download("/api/applicant/documents/" + doc.document_id, bearer, doc.filename).catch((e) => say(e.message, true)));
      li.append(open);
    }
    const accessLog = document.getElementById("access-log");
    accessLog.replaceChildren();
    for (const read of view.access_log) item(accessLog, [read.accessed_at || read.at, read.purpose, read.what || read.action].filter(Boolean).join(" · "));
    if (!view.access_log.length) item(accessLog, "Nobody yet.");
    document.getElementById("talent-pool").checked = Boolean(view.consents.talent_pool);
    renderInvitations(view, bearer, load);
    document.getElementById("application").hidden = false;
  }
  document.getElementById("talent-pool").addEventListener("change", async (event) => {
    try { await call("PUT", "/api/applicant/consents", { talent_pool: event.target.checked }, bearer); say("Saved."); }
    catch (error) { say(error.message, true); }
  });
  document.getElementById("export").addEventListener("click", () => download("/api/applicant/export", bearer, "my-application.zip").catch((e) => say(e.message, true)));
  document.getElementById("withdraw").addEventListener("click", async () => {
    if (!confirm("Withdraw your application?")) return;
    try { await call("POST", "/api/applicant/withdraw", undefined, bearer); say("Your application is withdrawn."); await load(); }
    catch (error) { say(error.message, true); }
  });
  document.getElementById("erase").addEventListener("click", async () => {
    if (!confirm("Erase all your data now? This cannot be undone.")) return;
    try {
      const answer = await (await call("POST", "/api/applicant/erasure", undefined, bearer)).json();
      document.getElementById("application").hidden = true;
      say("Your data will be erased (at the latest by " + answer.erase_by + "). You will get a confirmation e-mail.");
    } catch (error) { say(error.message, true); }
  });
  try { await load(); } catch (error) { say(error.message, true); }
}

const page = document.body.dataset.page;
if (page === "reset-password") passwordPage("/api/auth/password/reset", "Your password is set. You can now log in with it.");
if (page === "accept-invitation") passwordPage("/api/auth/invitations/accept", "Your password is set. You can now log in.");
if (page === "my-application") applicationPage();
