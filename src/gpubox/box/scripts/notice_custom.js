// gpubox: every open classic notebook (Notebook 6) shows the on-box agent's warnings (a spot
// interruption, ...): it polls GPUBOX-NOTICE.txt in the notebook root through Jupyter's
// contents API and opens a dialog when the file is new. Served as /custom/custom.js.
define(['jquery', 'base/js/utils', 'base/js/dialog'], function ($, utils, dialog) {
  var shown = null;
  var url = utils.url_path_join(utils.get_body_data('baseUrl') || '/',
                                'api/contents/GPUBOX-NOTICE.txt');
  function poll() {
    $.getJSON(url + '?type=file&format=text&content=1').done(function (file) {
      if (!file.content || file.last_modified === shown) return;
      shown = file.last_modified;
      dialog.modal({title: 'gpubox', body: $('<pre/>').text(file.content), buttons: {OK: {}}});
    });
  }
  poll();
  setInterval(poll, 10000);
});
