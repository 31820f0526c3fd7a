// opencti_double.js — a test double of Salesforce's Lightning Open CTI
// library (opencti_min.js), served by tests/web/test_opencti.py from a
// second loopback origin in place of the org's, at the same path
// (/support/api/<ver>/lightning/opencti_min.js).
//
// It defines window.sforce.opencti with the Lightning methods the
// softphone may call, and checks each call against the Open CTI Developer
// Guide's signatures: one argument object; every key documented for the
// method, of the documented type; required keys present; callback a
// function. saveLog's value must be a Task the guide's Task fields allow.
// A method the double lacks throws (a TypeError in the page, which the
// test counts), so an undocumented or unexpected call fails too.
//
// Callbacks are called asynchronously with the documented response shape
// {success, returnValue, errors}. searchAndScreenPop answers from
// window.__opencti.directory (number -> record), saveLog with a new Task
// id (or fail once: failNext). The test reads window.__opencti.calls (each call, functions shown
// as "<function>") and .violations, and fires click-to-dial with
// window.__opencti.clickToDial(payload).
(function () {
  'use strict';

  const calls = [];
  const violations = [];
  const state = { listener: null, clickToDial: false, tasks: 0 };

  const CALL_TYPE = { INBOUND: 'inbound', OUTBOUND: 'outbound',
    INTERNAL: 'internal' };
  const SCREENPOP_TYPE = { SOBJECT: 'sobject', URL: 'url',
    OBJECTHOME: 'objecthome', LIST: 'list', SEARCH: 'search',
    NEW_RECORD_MODAL: 'newRecord', FLOW: 'flow' };

  // method -> {arg: type}, required args
  const SIGS = {
    notifyInitializationComplete: [{ callback: 'function' }, []],
    enableClickToDial: [{ callback: 'function' }, []],
    disableClickToDial: [{ callback: 'function' }, []],
    onClickToDial: [{ listener: 'function' }, ['listener']],
    setSoftphonePanelVisibility: [{ visible: 'boolean',
      callback: 'function' }, ['visible']],
    searchAndScreenPop: [{ searchParams: 'string', queryParams: 'string',
      defaultFieldValues: 'object', callType: 'callType',
      deferred: 'boolean', callback: 'function' }, ['callType']],
    saveLog: [{ value: 'object', callback: 'function' }, ['value']],
  };

  // The Task fields a call log may set (Task object reference), with
  // their types and limits
  const ID = /^[a-zA-Z0-9]{15}([a-zA-Z0-9]{3})?$/;
  const TASK = {
    entityApiName: (v) => v === 'Task',
    Subject: (v) => typeof v === 'string' && v.length > 0 && v.length <= 255,
    CallType: (v) => ['Inbound', 'Outbound', 'Internal'].includes(v),
    CallDurationInSeconds: (v) => Number.isInteger(v) && v >= 0,
    CallDisposition: (v) => typeof v === 'string' && v.length <= 255,
    CallObject: (v) => typeof v === 'string' && v.length > 0 &&
      v.length <= 255,
    Status: (v) => ['Not Started', 'In Progress', 'Completed',
      'Waiting on someone else', 'Deferred'].includes(v),
    ActivityDate: (v) => typeof v === 'string' &&
      /^\d{4}-\d{2}-\d{2}$/.test(v) && !isNaN(Date.parse(v)),
    Description: (v) => typeof v === 'string' && v.length <= 32000,
    // WhoId: a contact (003) or lead (00Q)
    WhoId: (v) => typeof v === 'string' && ID.test(v) &&
      /^(003|00Q)/.test(v),
    WhatId: (v) => typeof v === 'string' && ID.test(v),
  };

  function typeOk(type, v) {
    if (type === 'callType') return Object.values(CALL_TYPE).includes(v);
    if (type === 'object') {
      return v !== null && typeof v === 'object' && !Array.isArray(v);
    }
    return typeof v === type;
  }

  function shown(v) {
    return JSON.parse(JSON.stringify(v, (k, x) =>
      typeof x === 'function' ? '<function>' : x));
  }

  function check(method, args) {
    const [sig, required] = SIGS[method];
    const bad = (msg) => violations.push(method + ': ' + msg);
    if (arguments.length !== 2 || args === null || typeof args !== 'object' ||
        Array.isArray(args)) {
      bad('takes one argument object');
      return;
    }
    for (const k of Object.keys(args)) {
      if (!(k in sig)) bad('undocumented argument ' + k);
      else if (!typeOk(sig[k], args[k])) {
        bad(k + ' is ' + JSON.stringify(shown(args[k])) + ', not a ' +
          sig[k]);
      }
    }
    for (const k of required) {
      if (!(k in args)) bad('required argument ' + k + ' missing');
    }
    if (method === 'saveLog' && typeOk('object', args.value)) {
      const v = args.value;
      if (!('entityApiName' in v) && !('Id' in v)) {
        bad('value needs entityApiName (create) or Id (update)');
      }
      for (const k of Object.keys(v)) {
        if (!(k in TASK)) bad('value.' + k + ' is not a Task field');
        else if (!TASK[k](v[k])) {
          bad('value.' + k + ' = ' + JSON.stringify(v[k]) + ' is not valid');
        }
      }
    }
  }

  // window.__opencti.failNext = 'saveLog' makes the next call of that
  // method fail as Salesforce reports failures: success false, errors an
  // array of messages
  function answer(method, args, returnValue) {
    if (!args || typeof args.callback !== 'function') return;
    const fail = window.__opencti.failNext === method;
    if (fail) window.__opencti.failNext = null;
    setTimeout(() => args.callback(fail ?
      { success: false, returnValue: null,
        errors: ['Required fields are missing: [Subject]'] } :
      { success: true, returnValue, errors: null }), 0);
  }

  const api = {};
  for (const method of Object.keys(SIGS)) {
    api[method] = function (args) {
      calls.push({ method, args: shown(args === undefined ? null : args),
        at: Date.now() });
      check.apply(null, [method].concat(Array.prototype.slice.call(
        arguments)));
      let rv = null;
      if (method === 'onClickToDial') {
        state.listener = args && args.listener;
        return;
      }
      if (method === 'enableClickToDial') state.clickToDial = true;
      if (method === 'disableClickToDial') state.clickToDial = false;
      if (method === 'searchAndScreenPop') {
        const rec = window.__opencti.directory[args && args.searchParams];
        rv = rec ? { [rec.Id]: rec } : {};
      }
      if (method === 'saveLog' && window.__opencti.failNext !== 'saveLog') {
        state.tasks++;
        rv = { recordId: '00T' + String(state.tasks).padStart(15, '0') };
      }
      answer(method, args, rv);
    };
  }
  api.CALL_TYPE = CALL_TYPE;
  api.SCREENPOP_TYPE = SCREENPOP_TYPE;

  window.sforce = window.sforce || {};
  window.sforce.opencti = Object.freeze(api);

  window.__opencti = {
    calls,
    violations,
    directory: {},
    failNext: null,
    // what Salesforce does when the user clicks an enabled phone number:
    // the listener gets {number, recordId, recordName, objectType}
    clickToDial(payload) {
      if (!state.clickToDial) throw new Error('click-to-dial not enabled');
      if (typeof state.listener !== 'function') {
        throw new Error('no onClickToDial listener');
      }
      state.listener(payload);
    },
  };
})();
