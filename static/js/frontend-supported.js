// Loaded as a classic, blocking script first thing in <body> (see
// templates/layouts/base.html). It replaces the inline script in the NHS.UK
// frontend page template, which our Content Security Policy does not allow.
// The classes tell the CSS that JavaScript is running and, where the browser
// supports ES modules, that NHS.UK frontend will initialise its components.
document.body.className +=
  ' js-enabled' +
  ('noModule' in HTMLScriptElement.prototype ? ' nhsuk-frontend-supported' : '');
