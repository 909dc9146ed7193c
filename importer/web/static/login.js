"use strict";
// The sign-in form of a server with named users: the name and password go to /login once;
// the server answers with a session cookie, and the page the user asked for is loaded again.

const CSRF = document.querySelector('meta[name="csrf-token"]').content;

document.getElementById("sign-in").addEventListener("submit", async (event) => {
  event.preventDefault();
  const error = document.getElementById("sign-in-error");
  const button = event.target.querySelector("button");
  error.hidden = true;
  button.disabled = true;
  try {
    const response = await fetch("/login", {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": CSRF },
      body: JSON.stringify({ name: document.getElementById("name").value,
                             password: document.getElementById("password").value }),
    });
    if (response.ok) {
      location.reload();
      return;
    }
    const data = await response.json().catch(() => ({}));
    error.textContent = data.error || `the server answered ${response.status}`;
  } catch (exc) {
    error.textContent = "the server cannot be reached: try again";
  }
  error.hidden = false;
  button.disabled = false;
});
