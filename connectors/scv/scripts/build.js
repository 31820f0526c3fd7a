/*
 * build.js — dist/: the page Salesforce frames (index.html, connector.css)
 * and connector.js, one plain script: the library's own UMD bundle, then
 * our files in load order. No transpiler: the browsers Salesforce supports
 * run this JavaScript as written.
 */
'use strict';
const fs = require('fs');
const path = require('path');

const here = path.join(__dirname, '..');
const dist = path.join(here, 'dist');
const lib = require.resolve('@salesforce/scv-connector-base');
const libVersion = require('@salesforce/scv-connector-base/package.json').version;
const parts = [lib, 'src/switchboard-api.js', 'src/connector.js', 'src/main.js']
    .map((p) => path.resolve(here, p));

function build() {
    fs.mkdirSync(dist, { recursive: true });
    const out = ['/* switchboard SCV connector; @salesforce/scv-connector-base ' +
        libVersion + ' (BSD-3-Clause, see its LICENSE.txt) */'];
    for (const p of parts) {
        /* the library's bundle ends with a source map comment: drop it */
        out.push(fs.readFileSync(p, 'utf8').replace(/\n\/\/# sourceMappingURL=.*\s*$/, '\n'));
        out.push(';');
    }
    fs.writeFileSync(path.join(dist, 'connector.js'), out.join('\n'));
    for (const f of ['index.html', 'connector.css']) {
        fs.copyFileSync(path.join(here, 'src', f), path.join(dist, f));
    }
    fs.copyFileSync(path.join(path.dirname(lib), '..', 'LICENSE.txt'),
        path.join(dist, 'LICENSE-scv-connector-base.txt'));
    return path.join(dist, 'connector.js');
}

module.exports = build;
if (require.main === module) {
    console.log(build() + ': ' + fs.statSync(path.join(dist, 'connector.js')).size +
        ' bytes');
}
