// Warn, without blocking, when the chosen deadline is not a working day (the server's calendar decides).
(function () {
  var input = document.querySelector('input[name="due_on"]');
  var warning = document.getElementById('due-warning');
  if (!input || !warning) return;
  input.addEventListener('change', function () {
    if (!input.value) { warning.classList.add('d-none'); return; }
    fetch(input.dataset.workdayUrl + '?date=' + encodeURIComponent(input.value), {credentials: 'same-origin'})
      .then(function (r) { return r.json(); })
      .then(function (data) {
        if (data.is_workday === false) {
          warning.textContent = input.value + ' 不是工作日（下一个工作日为 ' + data.next_workday + '），时限将按所选日期计算。' +
            (data.provisional ? '该年节假日安排尚未录入，按周一至周五推定。' : '');
          warning.classList.remove('d-none');
        } else {
          warning.textContent = data.provisional ? '该年节假日安排尚未录入，工作日按周一至周五推定。' : '';
          warning.classList.toggle('d-none', !data.provisional);
        }
      })
      .catch(function () { warning.classList.add('d-none'); });
  });
})();
