// Light enhancement: feedback buttons post in the background and show their state; filters fold on phones.
document.addEventListener("DOMContentLoaded", () => {
  // On a phone the filters fold away above the results (open them with their summary).
  const filters = document.getElementById("filters");
  if (filters && window.matchMedia("(max-width: 800px)").matches) filters.removeAttribute("open");
  const status = document.getElementById("feedback-status");
  document.querySelectorAll("form.js-feedback").forEach((form) => {
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const response = await fetch(form.action, {
        method: "POST", body: new FormData(form), headers: { "X-Requested-With": "fetch" },
      });
      if (!response.ok) { if (status) status.textContent = "Could not record that; try again."; return; }
      document.querySelectorAll("form.js-feedback button").forEach((b) => { b.classList.remove("on"); b.setAttribute("aria-pressed", "false"); });
      const button = form.querySelector("button");
      button.classList.add("on"); button.setAttribute("aria-pressed", "true");
      if (status) status.textContent = "Noted.";
    });
  });
});
