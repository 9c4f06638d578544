/* The site menu on a phone: below 700px the header's navigation folds behind the
   "Menu" button (a WAI-ARIA disclosure). Without this script the button stays
   hidden and the navigation open, so every link is still reachable. */
(function () {
  "use strict";
  var button = document.querySelector(".menu-button[aria-controls]");
  var menu = button && document.getElementById(button.getAttribute("aria-controls"));
  if (!menu) return;
  // The same breakpoint as site.css's "(max-width: 699.98px)" rules.
  var narrow = window.matchMedia("(max-width: 699.98px)");

  function setOpen(open) {
    button.setAttribute("aria-expanded", open ? "true" : "false");
    menu.hidden = !open;
  }

  function layout() {
    // A wide screen shows the navigation and no button; a phone starts folded.
    button.hidden = !narrow.matches;
    setOpen(!narrow.matches);
  }

  button.addEventListener("click", function () {
    setOpen(button.getAttribute("aria-expanded") !== "true");
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape" || button.hidden || menu.hidden) return;
    // Escape closes the open menu and returns the focus to its button, so the
    // keyboard user is not left on a link that just disappeared.
    var focusWasInside = menu.contains(document.activeElement);
    setOpen(false);
    if (focusWasInside || document.activeElement === button) button.focus();
  });

  if (narrow.addEventListener) narrow.addEventListener("change", layout);
  else narrow.addListener(layout);
  layout();
})();
