// mock-ic pages: the few things plain HTML cannot do. Every page works without this file.
"use strict";

// Copy buttons: <button data-copy="ID"> copies the text of the element with that id.
document.addEventListener("click", async (event) => {
  const button = event.target.closest("button[data-copy]");
  if (!button) return;
  const source = document.getElementById(button.dataset.copy);
  try {
    await navigator.clipboard.writeText(source.textContent.trim());
    button.textContent = "Copied";
  } catch (error) {
    button.textContent = "Select and copy";
  }
  setTimeout(() => { button.textContent = "Copy"; }, 1500);
});

// Forms that change or delete state ask first: <form data-confirm="Reset the tenant?">.
document.addEventListener("submit", (event) => {
  const question = event.target.dataset.confirm;
  if (question && !window.confirm(question)) event.preventDefault();
});

// Live refresh of the request log: while the "Live" box is ticked, the rows are fetched again every 2 s
// (the same page with partial=rows) and the table body replaced.
const live = document.getElementById("live");
if (live) {
  const rows = document.getElementById("rows");
  let timer = null;
  const refresh = async () => {
    const url = new URL(window.location.href);
    url.searchParams.set("partial", "rows");
    url.searchParams.delete("notice");
    const answer = await fetch(url, { headers: { Accept: "text/html" }, credentials: "same-origin" });
    if (answer.ok) {
      rows.innerHTML = await answer.text();
      rows.dataset.refreshed = String(Number(rows.dataset.refreshed || 0) + 1);
    }
  };
  const toggle = () => {
    clearInterval(timer);
    timer = live.checked ? setInterval(refresh, 2000) : null;
  };
  live.addEventListener("change", toggle);
  toggle();
}
