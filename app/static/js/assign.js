// A date on a non-working day (the assign form's deadline, an extension's new date): say so at once and offer the
// next working day in one click (the server's calendar decides; the server asks again if the form is sent as is).
(function () {
  document.querySelectorAll('input[data-workday-url]').forEach(function (input) {
    var warning = document.createElement('div');
    warning.className = 'form-text text-warning-emphasis d-none';
    warning.setAttribute('role', 'status');
    var text = document.createElement('span');
    var take = document.createElement('button');
    take.type = 'button';
    take.className = 'btn btn-link btn-sm p-0 ms-1 align-baseline';
    warning.appendChild(text);
    warning.appendChild(take);
    input.insertAdjacentElement('afterend', warning);
    take.addEventListener('click', function () {
      input.value = take.dataset.date;
      warning.classList.add('d-none');
      input.focus();
    });
    input.addEventListener('change', function () {
      if (!input.value) { warning.classList.add('d-none'); return; }
      fetch(input.dataset.workdayUrl + '?date=' + encodeURIComponent(input.value), {credentials: 'same-origin'})
        .then(function (r) { return r.json(); })
        .then(function (data) {
          if (data.is_workday === false) {
            text.textContent = input.value + ' 不是工作日，下一个工作日为 ' + data.next_workday + '。' +
              (data.provisional ? '（该年节假日安排尚未录入，按周一至周五推定）' : '');
            take.textContent = '改为 ' + data.next_workday;
            take.dataset.date = data.next_workday;
            take.classList.remove('d-none');
            warning.classList.remove('d-none');
          } else {
            text.textContent = data.provisional ? '该年节假日安排尚未录入，工作日按周一至周五推定。' : '';
            take.classList.add('d-none');
            warning.classList.toggle('d-none', !data.provisional);
          }
        })
        .catch(function () { warning.classList.add('d-none'); });
    });
  });
})();
