// The script half of the Worker API (module `skiff:worker`). Threads, cloning and delivery are
// native (`skiff:worker-native`, see worker.rs); event targets, handler properties and the
// classes users see are simpler to get right here.
import {
  spawn, post, terminate, portPost, portClose, setDispatcher, workerName, callHost,
} from 'skiff:worker-native';

function businessError(code: number, message: string): Error {
  const e: any = new Error(message);
  e.code = code;
  e.name = 'BusinessError';
  return e;
}

export class MessageEvents {
  type: string;
  timeStamp: number;
  data: any;
  constructor(type: string, data: any) {
    this.type = type;
    this.timeStamp = 0;
    this.data = data;
  }
}

export class ErrorEvent {
  type: string;
  timeStamp: number;
  message: string;
  filename: string;
  lineno: number;
  colno: number;
  error: any;
  constructor(error: any) {
    this.type = 'error';
    this.timeStamp = 0;
    this.error = error;
    const isError = error instanceof Error;
    this.message = isError ? String(error.message) : String(error);
    this.filename = '';
    this.lineno = 0;
    this.colno = 0;
    // The first frame of the worker's stack: `at f (file:line:col)` or `at file:line:col`.
    const stack = isError && typeof error.stack === 'string' ? error.stack : '';
    const m = /\n\s+at (?:.*\()?(.*?):(\d+):(\d+)\)?/.exec(stack);
    if (m) {
      this.filename = m[1];
      this.lineno = Number(m[2]);
      this.colno = Number(m[3]);
    }
  }
}

// Listeners per target, kept outside the objects so they do not show up when inspected.
const listeners = new WeakMap<object, Map<string, Array<{ fn: Function, once: boolean }>>>();

function addListener(t: object, type: string, fn: Function, once: boolean): void {
  if (typeof fn !== 'function') {
    throw businessError(401, 'Parameter error. The type of "listener" must be callable.');
  }
  let m = listeners.get(t);
  if (m === undefined) {
    m = new Map();
    listeners.set(t, m);
  }
  let list = m.get(type);
  if (list === undefined) {
    list = [];
    m.set(type, list);
  }
  if (!list.some((e) => e.fn === fn)) {
    list.push({ fn, once });
  }
}

function removeListener(t: object, type: string, fn?: Function): void {
  const m = listeners.get(t);
  if (m === undefined) {
    return;
  }
  if (fn === undefined) {
    m.delete(type);
    return;
  }
  const list = m.get(type);
  if (list !== undefined) {
    const i = list.findIndex((e) => e.fn === fn);
    if (i >= 0) {
      list.splice(i, 1);
    }
  }
}

// Calls the `on<type>` handler property and the listeners of `type`; true if any ran.
function fire(t: any, type: string, event: any, handlerProp: string | undefined): boolean {
  let ran = false;
  if (handlerProp !== undefined && typeof t[handlerProp] === 'function') {
    ran = true;
    t[handlerProp](event);
  }
  const list = listeners.get(t)?.get(type);
  if (list !== undefined) {
    for (const e of list.slice()) {
      if (e.once) {
        removeListener(t, type, e.fn);
      }
      ran = true;
      e.fn.call(t, event);
    }
  }
  return ran;
}

class WorkerEventTarget {
  addEventListener(type: string, listener: Function): void {
    addListener(this, type, listener, false);
  }
  on(type: string, listener: Function): void {
    addListener(this, type, listener, false);
  }
  once(type: string, listener: Function): void {
    addListener(this, type, listener, true);
  }
  removeEventListener(type: string, listener?: Function): void {
    removeListener(this, type, listener);
  }
  off(type: string, listener?: Function): void {
    removeListener(this, type, listener);
  }
  dispatchEvent(event: any): boolean {
    if (event === null || typeof event !== 'object' || typeof event.type !== 'string') {
      throw businessError(401, 'Parameter error. The type of "event" must be Event.');
    }
    return fire(this, event.type, event, undefined);
  }
  removeAllListener(): void {
    listeners.delete(this);
  }
}

interface WorkerState {
  id: number;
  running: boolean;
}

const states = new WeakMap<object, WorkerState>();
// Live workers of this instance by id (a strong reference: a running worker's handlers must
// stay reachable while its messages can still arrive).
const live = new Map<number, ThreadWorker>();

class ThreadWorker extends WorkerEventTarget {
  onmessage: any = undefined;
  onmessageerror: any = undefined;
  onerror: any = undefined;
  onAllErrors: any = undefined;
  onexit: any = undefined;

  constructor(scriptURL: string, options?: any) {
    super();
    const name = options !== undefined && options !== null && typeof options.name === 'string'
      ? options.name : '';
    const id = spawn(scriptURL, name);
    states.set(this, { id, running: true });
    live.set(id, this);
  }

  // Sendable class instances in the message are copied.
  postMessage(message: any, transfer?: any): void {
    this.send(message, transfer, false);
  }

  // Sendable values in the message are shared with the worker by reference.
  postMessageWithSharedSendable(message: any, transfer?: any): void {
    this.send(message, transfer, true);
  }

  private send(message: any, transfer: any, share: boolean): void {
    const st = states.get(this);
    if (st === undefined || !st.running) {
      throw businessError(10200004, 'The Worker instance is not running.');
    }
    if (!post(st.id, message, transfer, share)) {
      st.running = false;
      throw businessError(10200004, 'The Worker instance is not running.');
    }
  }

  registerGlobalCallObject(instanceName: string, globalCallObject: Object): void {
    if (typeof instanceName !== 'string' || globalCallObject === null
      || typeof globalCallObject !== 'object') {
      throw businessError(401, 'Parameter error. The type of "instanceName" must be string '
        + 'and "globalCallObject" must be object.');
    }
    globalCallObjects.set(instanceName, globalCallObject);
  }

  unregisterGlobalCallObject(instanceName?: string): void {
    if (instanceName === undefined) {
      globalCallObjects.clear();
    } else {
      globalCallObjects.delete(instanceName);
    }
  }

  terminate(): void {
    const st = states.get(this);
    if (st === undefined || !st.running) {
      return;
    }
    st.running = false;
    terminate(st.id, 0);
  }
}

// Objects registered with registerGlobalCallObject, by name (strong references).
const globalCallObjects = new Map<string, any>();

// Runs a Worker's callGlobalCallObjectMethod on the host.
export function hostCall(instanceName: string, methodName: string, args: any[]): any {
  const obj = globalCallObjects.get(instanceName);
  if (obj === undefined) {
    throw businessError(10200019, 'The globalCallObject is not registered.');
  }
  const method = obj[methodName];
  const tag = typeof method === 'function' ? Object.prototype.toString.call(method) : '';
  if (typeof method !== 'function' || tag === '[object AsyncFunction]'
    || tag === '[object GeneratorFunction]' || tag === '[object AsyncGeneratorFunction]') {
    throw businessError(10200020,
      'The method to be called is not callable or is an async method or a generator.');
  }
  return method.apply(obj, args);
}

class ThreadWorkerGlobalScope extends WorkerEventTarget {
  onmessage: any = undefined;
  onmessageerror: any = undefined;
  onerror: any = undefined;
  name: string = workerName();

  get self(): ThreadWorkerGlobalScope {
    return this;
  }

  // Sendable class instances in the message are copied.
  postMessage(message: any, transfer?: any): void {
    portPost(message, transfer, false);
  }

  // Sendable values in the message are shared with the host by reference.
  postMessageWithSharedSendable(message: any, transfer?: any): void {
    portPost(message, transfer, true);
  }

  callGlobalCallObjectMethod(instanceName: string, methodName: string, timeout: number,
    ...args: any[]): any {
    if (typeof instanceName !== 'string' || typeof methodName !== 'string'
      || typeof timeout !== 'number') {
      throw businessError(401, 'Parameter error. The type of "instanceName" and "methodName" '
        + 'must be string, and "timeout" must be number.');
    }
    return callHost(instanceName, methodName, timeout, args);
  }

  close(): void {
    portClose();
  }
}

const workerPort = new ThreadWorkerGlobalScope();

function onHost(kind: string, id: number, data: any): void {
  const w = live.get(id);
  if (w === undefined) {
    return;
  }
  const st = states.get(w)!;
  if (kind === 'message') {
    fire(w, 'message', new MessageEvents('message', data), 'onmessage');
  } else if (kind === 'messageerror') {
    fire(w, 'messageerror', new MessageEvents('messageerror', data), 'onmessageerror');
  } else if (kind === 'error') {
    const ev = new ErrorEvent(data);
    let handled = false;
    let keepAlive = false;
    if (typeof w.onAllErrors === 'function') {
      // onAllErrors sees every uncaught error; the worker stays alive.
      handled = true;
      keepAlive = true;
      w.onAllErrors(ev);
    }
    if (fire(w, 'error', ev, 'onerror')) {
      handled = true;
    }
    if (!keepAlive && st.running) {
      // After onerror (or with no handler at all) the worker is torn down.
      st.running = false;
      terminate(id, 1);
    }
    if (!handled) {
      // Nobody handled it: it becomes an uncaught error of this instance.
      throw data;
    }
  } else if (kind === 'exit') {
    st.running = false;
    live.delete(id);
    fire(w, 'exit', data, 'onexit');
  }
}

setDispatcher((kind: string, id: number, data: any): void => {
  if (kind === 'port-message') {
    fire(workerPort, 'message', new MessageEvents('message', data), 'onmessage');
  } else if (kind === 'port-messageerror') {
    fire(workerPort, 'messageerror', new MessageEvents('messageerror', data), 'onmessageerror');
  } else if (kind === 'port-error') {
    fire(workerPort, 'error', new ErrorEvent(data), 'onerror');
  } else {
    onHost(kind, id, data);
  }
});

export const worker = {
  ThreadWorker,
  workerPort,
  ThreadWorkerPriority: { HIGH: 0, MEDIUM: 1, LOW: 2, IDLE: 3, DEADLINE: 4, VIP: 5 },
};

export { ThreadWorkerGlobalScope };
