// A button that changes something hard to undo names the consequence and asks first: any submit button (or form)
// with data-confirm="…" shows that text in the browser's own dialog, which screen readers announce and the
// keyboard answers; "取消" keeps the page as it is. No inline handlers: the CSP forbids them.
document.addEventListener('submit', function (event) {
  var button = event.submitter;
  var text = (button && button.getAttribute('data-confirm')) || event.target.getAttribute('data-confirm');
  if (text && !window.confirm(text)) {
    event.preventDefault();
    event.stopImmediatePropagation();
  }
}, true);
