// Loaded with <script type="module"> at the end of <body>. Browsers that do
// not support ES modules ignore it, and the pages still work without it.
import { initAll } from '../vendor/nhsuk-frontend/nhsuk-frontend.min.js';

// initAll() does nothing unless <body> has the "nhsuk-frontend-supported"
// class, which static/js/frontend-supported.js adds.
initAll();
