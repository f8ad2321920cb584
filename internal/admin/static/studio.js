// The studio's one script, served from the binary at /admin/studio.js. Every action of
// the write form works without it (the form posts and the server answers); it adds a
// live preview of the text, rendered by the server (POST /admin/preview), and uploads
// photos dropped on the form or chosen in its file inputs at once, through the media
// library's upload (XMLHttpRequest, for its upload progress), putting each stored file's
// URL in the form as a kept photo with its alt text.
(function () {
  "use strict";
  var form = document.getElementById("write-form");
  if (!form) {
    return;
  }
  var csrf = form.elements.csrf.value;
  var pending = 0;
  var uploaded = 0;

  // --- Live preview ---
  var pane = document.getElementById("preview-pane");
  if (!pane) {
    pane = document.createElement("section");
    pane.className = "preview";
    pane.id = "preview-pane";
    pane.setAttribute("aria-label", "Preview");
    pane.innerHTML = "<h2>Preview</h2><div class=\"e-content\" id=\"preview-content\"></div>";
    pane.hidden = true;
    form.parentNode.insertBefore(pane, form.nextSibling);
  }
  var content = document.getElementById("preview-content");
  content.setAttribute("aria-live", "polite");
  var timer = null;
  var asked = 0;

  function preview() {
    var text = form.elements.content.value;
    var body = new URLSearchParams();
    body.set("csrf", csrf);
    body.set("kind", form.elements.kind.value);
    body.set("name", form.elements.name.value);
    body.set("content", text);
    var n = ++asked;
    fetch("/admin/preview", {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "Accept": "application/json" }
    }).then(function (resp) {
      return resp.json().then(function (data) { return { ok: resp.ok, data: data }; });
    }).then(function (r) {
      if (n !== asked) {
        return; // an older answer, overtaken
      }
      if (!r.ok) {
        content.textContent = r.data.error_description || "The preview failed.";
      } else {
        // The server's rendering of the text: sanitized as the post's page will be.
        content.innerHTML = r.data.html;
      }
      pane.hidden = false;
      pane.setAttribute("data-previews", String(n));
    }).catch(function () {
      content.textContent = "The preview could not be fetched.";
    });
  }

  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(preview, 300);
  }
  ["content", "name", "kind"].forEach(function (name) {
    var el = form.elements[name];
    if (el) {
      el.addEventListener("input", schedule);
      el.addEventListener("change", schedule);
    }
  });

  // --- Photos: drag and drop, upload progress ---
  var photos = document.getElementById("photos");
  var firstSlot = photos.querySelector(".photo:not(.kept)");
  var zone = document.createElement("p");
  zone.className = "drop-zone";
  zone.id = "drop-zone";
  zone.textContent = "Drop photos here, or choose them below: each is uploaded at once.";
  photos.insertBefore(zone, photos.querySelector(".photo"));

  photos.addEventListener("dragover", function (e) {
    e.preventDefault();
    zone.classList.add("over");
  });
  photos.addEventListener("dragleave", function () { zone.classList.remove("over"); });
  photos.addEventListener("drop", function (e) {
    e.preventDefault();
    zone.classList.remove("over");
    Array.prototype.forEach.call(e.dataTransfer.files, function (f) {
      if (f.type.indexOf("image/") === 0) {
        upload(f, null);
      } else {
        zone.textContent = f.name + " is not a photo: drop images here.";
        zone.setAttribute("role", "alert");
      }
    });
  });
  Array.prototype.forEach.call(photos.querySelectorAll("input[type=file]"), function (input) {
    input.addEventListener("change", function () {
      var alt = document.getElementById(input.id.replace("photo-", "alt-"));
      Array.prototype.forEach.call(input.files, function (f) { upload(f, alt); });
      // Sent already: the form must not send it a second time.
      input.value = "";
    });
  });

  // upload sends one file to the media library and, once stored, adds it to the form
  // as a kept photo; altInput, when the file came from a slot, is that slot's alt text,
  // which the kept photo follows.
  function upload(file, altInput) {
    var n = ++uploaded;
    var box = document.createElement("div");
    box.className = "photo kept uploading";
    var label = document.createElement("label");
    label.setAttribute("for", "upload-progress-" + n);
    label.textContent = "Uploading " + file.name;
    var bar = document.createElement("progress");
    bar.id = "upload-progress-" + n;
    bar.className = "upload-progress";
    bar.max = 100;
    bar.value = 0;
    box.appendChild(label);
    box.appendChild(bar);
    photos.insertBefore(box, firstSlot);
    pending++;

    var data = new FormData();
    data.append("csrf", csrf); // before the file: the server checks it first
    data.append("file", file);
    var xhr = new XMLHttpRequest();
    xhr.open("POST", "/admin/media/upload");
    xhr.setRequestHeader("Accept", "application/json");
    xhr.upload.addEventListener("progress", function (e) {
      if (e.lengthComputable) {
        bar.value = Math.round(100 * e.loaded / e.total);
      }
    });
    xhr.addEventListener("load", function () {
      pending--;
      var answer = {};
      try { answer = JSON.parse(xhr.responseText); } catch (err) { answer = {}; }
      if (xhr.status !== 201 || !answer.url) {
        failed(box, label, file, answer.error_description || "status " + xhr.status);
        return;
      }
      bar.value = 100;
      box.classList.remove("uploading");
      box.setAttribute("data-done", "1");
      label.textContent = "Uploaded " + file.name;
      kept(box, answer.url, altInput, n);
    });
    xhr.addEventListener("error", function () {
      pending--;
      failed(box, label, file, "the connection failed");
    });
    xhr.send(data);
  }

  function failed(box, label, file, why) {
    box.classList.remove("uploading");
    label.textContent = file.name + " was not uploaded: " + why;
    label.className = "field-error";
    label.setAttribute("role", "alert");
  }

  // kept adds the stored file's URL to the form, as the preview of a form without the
  // script does: a hidden kept-photo and its kept-alt text.
  function kept(box, url, altInput, n) {
    var img = document.createElement("img");
    img.src = url;
    img.alt = "";
    img.width = 96;
    var hidden = document.createElement("input");
    hidden.type = "hidden";
    hidden.name = "kept-photo";
    hidden.value = url;
    var altLabel = document.createElement("label");
    altLabel.setAttribute("for", "kept-alt-u" + n);
    altLabel.textContent = "Alt text of the uploaded photo " + n;
    var alt = document.createElement("input");
    alt.type = "text";
    alt.id = "kept-alt-u" + n;
    alt.name = "kept-alt";
    var remove = document.createElement("button");
    remove.type = "button";
    remove.textContent = "Remove this photo";
    remove.addEventListener("click", function () { box.parentNode.removeChild(box); });
    if (altInput) {
      alt.value = altInput.value;
      altInput.addEventListener("input", function () { alt.value = altInput.value; });
    }
    box.insertBefore(img, box.firstChild);
    box.appendChild(hidden);
    box.appendChild(altLabel);
    box.appendChild(alt);
    box.appendChild(remove);
  }

  form.addEventListener("submit", function (e) {
    if (pending > 0) {
      e.preventDefault();
      zone.textContent = "Wait for the photos to finish uploading, then send the form again.";
      zone.setAttribute("role", "alert");
    }
  });
})();
