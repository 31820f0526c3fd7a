/*
 * main.js — the page Salesforce frames (index.html): hands the connector
 * to the library and, when init() asks for it, shows the login form.
 * The agent signs in with its switchboard id and web password; the
 * password goes to switchboard only and is not kept.
 */
(function (root) {
    'use strict';

    const doc = root.document;
    const form = doc ? doc.getElementById('login') : null;

    const connector = new root.SwitchboardConnector({
        fetch: root.fetch ? root.fetch.bind(root) : undefined,
        WebSocket: root.WebSocket,
        sessionStorage: root.sessionStorage,
        location: root.location,
        onShowLogin: () => {
            if (form) {
                form.hidden = false;
            }
        }
    });
    /* for the browser console, and for tests that play Salesforce */
    root.switchboardConnector = connector;
    root.SCVConnectorBase.initializeConnector(connector);

    if (!form) {
        return;
    }
    const error = doc.getElementById('login-error');
    form.addEventListener('submit', async (ev) => {
        ev.preventDefault();
        const id = form.elements.id.value;
        const password = form.elements.password.value;
        form.elements.password.value = '';
        error.textContent = '';
        try {
            await connector.login(id, password);
            form.hidden = true;
        } catch (e) {
            error.textContent = e.message;
        }
    });
}(this));
