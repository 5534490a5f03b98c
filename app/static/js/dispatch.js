// The dispatch list: how many tasks are chosen for 催办; a 督办 sheet's print button (no inline handlers: the CSP
// forbids them).
(function () {
  var form = document.getElementById('dispatch-urge');
  if (form) {
    var count = form.querySelector('[data-urge-count]');
    var update = function () {
      if (count) { count.textContent = form.querySelectorAll('input[name="task"]:checked').length; }
    };
    form.addEventListener('change', update);
    update();
  }
  document.querySelectorAll('[data-print]').forEach(function (button) {
    button.addEventListener('click', function () { window.print(); });
  });
})();
