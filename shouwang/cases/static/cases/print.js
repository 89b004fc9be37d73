// The notice page's Print button, kept out of the page so a strict content security policy can forbid inline script.
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) window.print();
});
