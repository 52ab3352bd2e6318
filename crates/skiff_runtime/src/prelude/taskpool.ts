// The script half of TaskPool (module `skiff:taskpool`). Threads, queues, cancellation and
// cloning are native (`skiff:taskpool-native`, see taskpool.rs); the classes users see and the
// host-side bookkeeping (promises, dependencies, listeners, runners, delays) live here.
import {
  newTaskId, isConcurrent as nativeIsConcurrent, register, submit, cancelTask,
  isCanceled as nativeIsCanceled, sendData as nativeSendData, finish, setDispatcher,
  poolInfo, sequenceRunner,
} from 'skiff:taskpool-native';

const PARAM_ERROR = 'Parameter error. Possible causes: 1. Mandatory parameters are left '
  + 'unspecified; 2. Incorrect parameter types; 3. Parameter verification failed.';

function businessError(code: number, message: string, data?: any): Error {
  const e: any = new Error(message);
  e.code = code;
  e.name = 'BusinessError';
  if (data !== undefined) {
    e.data = data;
  }
  return e;
}

enum Priority { HIGH = 0, MEDIUM = 1, LOW = 2, IDLE = 3 }
enum State { WAITING = 1, RUNNING = 2, CANCELED = 3 }

function checkPriority(p: any): number {
  if (p === undefined) {
    return Priority.MEDIUM;
  }
  if (typeof p !== 'number' || !(p >= 0 && p <= 3)) {
    throw businessError(401, PARAM_ERROR);
  }
  return Math.floor(p);
}

// ----- per-task state, kept out of the objects users inspect ---------------------------------

class Listeners {
  enqueued: Function | undefined = undefined;
  start: Function | undefined = undefined;
  succeeded: Function | undefined = undefined;
  failed: Function | undefined = undefined;
}

class TaskState {
  // 'plain' | 'long' | 'group' | 'sequence' | 'async' | 'periodic'
  kind: string = 'plain';
  executed: boolean = false;
  done: boolean = false;
  receiver: Function | undefined = undefined;
  transfer: ArrayBuffer[] | undefined = undefined;
  cloneList: Object[] | undefined = undefined;
  listeners: Listeners = new Listeners();
  deps: Set<Task> = new Set();
  // Resolved when an execution of this task succeeds (for tasks that depend on it).
  doneWaiters: Array<() => void> = [];
  failWaiters: Array<(e: any) => void> = [];
  periodicTimer: any = undefined;
  // Executions of this task still waiting or running, by execution id.
  execs: Set<number> = new Set();
}

const states = new WeakMap<object, TaskState>();

function stateOf(task: Task): TaskState {
  let s = states.get(task);
  if (s === undefined) {
    s = new TaskState();
    states.set(task, s);
  }
  return s;
}

function fire(f: Function | undefined, ...args: any[]): void {
  if (f !== undefined) {
    f(...args);
  }
}

// ----- executions -----------------------------------------------------------------------------

class Pending {
  task: Task;
  resolve: (v: any) => void;
  reject: (e: any) => void;
  constructor(task: Task, resolve: (v: any) => void, reject: (e: any) => void) {
    this.task = task;
    this.resolve = resolve;
    this.reject = reject;
  }
}

const pending = new Map<number, Pending>();
let dispatcherInstalled = false;

function installDispatcher(): void {
  if (!dispatcherInstalled) {
    dispatcherInstalled = true;
    setDispatcher(dispatch);
  }
}

function canceledError(result?: any, error?: any): Error {
  return businessError(0, 'taskpool:: task has been canceled', { result, error });
}

function settle(execId: number): Pending | undefined {
  const p = pending.get(execId);
  if (p !== undefined) {
    pending.delete(execId);
    stateOf(p.task).execs.delete(execId);
  }
  return p;
}

// Called by the native side, one macrotask per event.
function dispatch(kind: string, execId: number, data: any, total: number, cpu: number): void {
  const p = pending.get(execId);
  if (p === undefined) {
    return;
  }
  const st = stateOf(p.task);
  switch (kind) {
    case 'start':
      fire(st.listeners.start);
      return;
    case 'data':
      if (st.receiver !== undefined) {
        st.receiver(...data);
      }
      return;
    case 'result': {
      settle(execId);
      setDurations(p.task, total, cpu);
      st.done = true;
      fire(st.listeners.succeeded);
      p.resolve(data);
      for (const w of st.doneWaiters.splice(0)) {
        w();
      }
      return;
    }
    case 'error': {
      settle(execId);
      setDurations(p.task, total, cpu);
      st.done = true;
      fire(st.listeners.failed, data);
      p.reject(data);
      for (const w of st.failWaiters.splice(0)) {
        w(data);
      }
      return;
    }
    case 'canceled':
      settle(execId);
      p.reject(canceledError(undefined, 'taskpool:: task has been canceled'));
      return;
    case 'canceledResult':
      settle(execId);
      setDurations(p.task, total, cpu);
      p.reject(canceledError(data, undefined));
      return;
    case 'canceledError':
      settle(execId);
      setDurations(p.task, total, cpu);
      p.reject(canceledError(undefined, data));
      return;
  }
}

function setDurations(task: Task, total: number, cpu: number): void {
  const t: any = task;
  t.totalDuration = Math.round(total);
  t.cpuDuration = Math.round(Math.min(cpu, total));
  t.ioDuration = Math.max(0, t.totalDuration - t.cpuDuration);
}

// Starts one execution of `task`: registers it (so `cancel` finds it from any thread), waits
// for its dependencies on the host, then submits it to the pool. Synchronous misuse throws.
function run(task: Task, priority: number, delay: number, sequence?: string): Promise<any> {
  installDispatcher();
  const st = stateOf(task);
  const t: any = task;
  const execId: number = register(task.taskId, task.name);
  st.executed = true;
  st.execs.add(execId);
  let resolveFn: (v: any) => void = () => {};
  let rejectFn: (e: any) => void = () => {};
  const promise = new Promise<any>((resolve, reject) => {
    resolveFn = resolve;
    rejectFn = reject;
  });
  pending.set(execId, new Pending(task, resolveFn, rejectFn));
  const go = (): void => {
    if (!pending.has(execId)) {
      return; // cancelled while waiting on the host
    }
    try {
      submit(execId, t.function, t.arguments, st.transfer, st.cloneList, priority,
        st.receiver !== undefined, sequence);
      fire(st.listeners.enqueued);
    } catch (e) {
      settle(execId);
      rejectFn(e);
    }
  };
  const waitDeps = (): void => {
    const open = [...st.deps].filter((d) => !stateOf(d).done);
    if (open.length === 0) {
      go();
      return;
    }
    let left = open.length;
    for (const d of open) {
      stateOf(d).doneWaiters.push(() => {
        left--;
        if (left === 0) {
          go();
        }
      });
      stateOf(d).failWaiters.push((e: any) => {
        if (settle(execId) !== undefined) {
          rejectFn(e);
        }
      });
    }
  };
  if (delay > 0) {
    setTimeout(waitDeps, delay);
  } else if (st.deps.size > 0) {
    waitDeps();
  } else {
    // Direct submission: serialization errors throw from `execute` itself.
    try {
      submit(execId, t.function, t.arguments, st.transfer, st.cloneList, priority,
        st.receiver !== undefined, sequence);
    } catch (e) {
      settle(execId);
      throw e;
    }
    fire(st.listeners.enqueued);
  }
  return promise;
}

// ----- Task -----------------------------------------------------------------------------------

class Task {
  name: string;
  taskId: number;
  totalDuration: number = 0;
  ioDuration: number = 0;
  cpuDuration: number = 0;

  constructor(nameOrFunc: any, ...rest: any[]) {
    let name = '';
    let func: any = nameOrFunc;
    let args: any[] = rest;
    if (typeof nameOrFunc === 'string') {
      name = nameOrFunc;
      func = rest[0];
      args = rest.slice(1);
    }
    if (typeof func !== 'function') {
      throw businessError(401, 'The input parameters are invalid.');
    }
    if (!nativeIsConcurrent(func)) {
      throw businessError(10200014, 'The function is not marked as concurrent.');
    }
    const self: any = this;
    self.function = func;
    self.arguments = args;
    this.name = name;
    this.taskId = newTaskId();
  }

  static isCanceled(): boolean {
    return nativeIsCanceled();
  }

  static sendData(...args: any[]): void {
    nativeSendData(args);
  }

  onReceiveData(callback?: Function): void {
    if (callback !== undefined && typeof callback !== 'function') {
      throw businessError(401, PARAM_ERROR);
    }
    stateOf(this).receiver = callback;
  }

  setTransferList(transfer?: ArrayBuffer[]): void {
    const list = transfer === undefined ? [] : transfer;
    if (!Array.isArray(list) || list.some((b) => !(b instanceof ArrayBuffer))) {
      throw businessError(401, PARAM_ERROR);
    }
    const st = stateOf(this);
    if (st.cloneList !== undefined && list.some((b) => st.cloneList!.includes(b))) {
      throw businessError(10200029,
        'An ArrayBuffer cannot be set as both a transfer list and a clone list.');
    }
    st.transfer = list.slice();
  }

  setCloneList(cloneList: Object[] | ArrayBuffer[]): void {
    if (!Array.isArray(cloneList)) {
      throw businessError(401, PARAM_ERROR);
    }
    const st = stateOf(this);
    const list: Object[] = cloneList;
    if (st.transfer !== undefined && list.some((b) => st.transfer!.includes(b as ArrayBuffer))) {
      throw businessError(10200029,
        'An ArrayBuffer cannot be set as both a transfer list and a clone list.');
    }
    st.cloneList = list.slice();
  }

  addDependency(...tasks: Task[]): void {
    const st = stateOf(this);
    checkDependable(this);
    for (const d of tasks) {
      if (!(d instanceof Task)) {
        throw businessError(401, PARAM_ERROR);
      }
      checkDependable(d);
      if (d === this || dependsOn(d, this)) {
        throw businessError(10200026, 'There is a circular dependency.');
      }
    }
    for (const d of tasks) {
      st.deps.add(d);
    }
  }

  removeDependency(...tasks: Task[]): void {
    const st = stateOf(this);
    for (const d of tasks) {
      if (!(d instanceof Task)) {
        throw businessError(401, PARAM_ERROR);
      }
      if (!st.deps.has(d)) {
        throw businessError(10200027, 'The dependency does not exist.');
      }
    }
    for (const d of tasks) {
      st.deps.delete(d);
    }
  }

  onEnqueued(callback: () => void): void {
    this.listen('enqueued', callback);
  }

  onStartExecution(callback: () => void): void {
    this.listen('start', callback);
  }

  onExecutionSucceeded(callback: () => void): void {
    this.listen('succeeded', callback);
  }

  onExecutionFailed(callback: (e: Error) => void): void {
    this.listen('failed', callback);
  }

  private listen(which: string, callback: Function): void {
    if (typeof callback !== 'function') {
      throw businessError(401, PARAM_ERROR);
    }
    const st = stateOf(this);
    if (st.executed) {
      throw businessError(10200034,
        'The executed task does not support the registration of listeners.');
    }
    const l: any = st.listeners;
    l[which] = callback;
  }

  isDone(): boolean {
    return stateOf(this).done;
  }
}

function checkDependable(t: Task): void {
  const st = stateOf(t);
  if (st.kind === 'periodic') {
    throw businessError(10200052, 'The periodic task cannot have a dependency.');
  }
  if (st.kind === 'async') {
    throw businessError(10200056, 'The task has been executed by AsyncRunner.');
  }
  if (st.kind === 'group' || st.kind === 'sequence' || st.executed) {
    throw businessError(401, PARAM_ERROR);
  }
}

// Whether `from` (transitively) depends on `to`.
function dependsOn(from: Task, to: Task): boolean {
  const seen = new Set<Task>();
  const work: Task[] = [from];
  while (work.length > 0) {
    const t = work.pop()!;
    if (t === to) {
      return true;
    }
    if (seen.has(t)) {
      continue;
    }
    seen.add(t);
    for (const d of stateOf(t).deps) {
      work.push(d);
    }
  }
  return false;
}

class LongTask extends Task {
  constructor(nameOrFunc: any, ...rest: any[]) {
    super(nameOrFunc, ...rest);
    stateOf(this).kind = 'long';
  }
}

class GenericsTask extends Task {
  constructor(nameOrFunc: any, ...rest: any[]) {
    super(nameOrFunc, ...rest);
  }
}

// ----- TaskGroup ------------------------------------------------------------------------------

const groupStates = new WeakMap<object, { tasks: Task[], executed: boolean, running: Set<Task> }>();

class TaskGroup {
  name: string;

  constructor(name?: string) {
    this.name = name === undefined ? '' : String(name);
    groupStates.set(this, { tasks: [], executed: false, running: new Set() });
  }

  addTask(taskOrFunc: any, ...args: any[]): void {
    const gs = groupStates.get(this)!;
    let task: Task;
    if (taskOrFunc instanceof Task) {
      task = taskOrFunc;
      const st = stateOf(task);
      if (st.kind === 'periodic') {
        throw businessError(10200051, 'The periodic task cannot be executed again.');
      }
      if (st.kind !== 'plain' || st.executed || st.deps.size > 0) {
        throw businessError(401, PARAM_ERROR);
      }
    } else if (typeof taskOrFunc === 'function') {
      task = new Task(taskOrFunc, ...args);
    } else {
      throw businessError(401, PARAM_ERROR);
    }
    if (gs.executed) {
      throw businessError(401, PARAM_ERROR);
    }
    stateOf(task).kind = 'group';
    gs.tasks.push(task);
  }
}

function runGroup(group: TaskGroup, priority: number): Promise<any[]> {
  const gs = groupStates.get(group)!;
  gs.executed = true;
  const runs: Promise<any>[] = [];
  for (const t of gs.tasks) {
    gs.running.add(t);
    const p = run(t, priority, 0);
    p.then(() => gs.running.delete(t), () => gs.running.delete(t));
    runs.push(p);
  }
  return Promise.all(runs);
}

// ----- SequenceRunner -------------------------------------------------------------------------

// Runners are queues in the pool (process-wide by name: a named runner created on another
// thread is the same queue); unnamed runners get a unique internal name. Within one instance
// a name gives the same object.
const namedSequences = new Map<string, SequenceRunner>();

class SequenceRunner {
  private queueName: string;
  private priority: number;

  constructor(nameOrPriority?: any, priority?: any) {
    if (typeof nameOrPriority === 'string') {
      const existing = namedSequences.get(nameOrPriority);
      if (existing !== undefined) {
        return existing;
      }
      this.queueName = 'named:' + nameOrPriority;
      this.priority = sequenceRunner(this.queueName, checkPriority(priority));
      namedSequences.set(nameOrPriority, this);
    } else {
      this.queueName = 'anonymous:' + newTaskId();
      this.priority = sequenceRunner(this.queueName, checkPriority(nameOrPriority));
    }
  }

  execute(task: Task): Promise<Object> {
    if (!(task instanceof Task)) {
      throw businessError(401, PARAM_ERROR);
    }
    const st = stateOf(task);
    if (st.kind === 'periodic') {
      throw businessError(10200051, 'The periodic task cannot be executed again.');
    }
    if (st.kind === 'async') {
      throw businessError(10200057, 'The task cannot be executed by two APIs.');
    }
    if (st.deps.size > 0) {
      throw businessError(10200025, 'dependent task not allowed.');
    }
    if (st.kind !== 'plain' && st.kind !== 'sequence') {
      throw businessError(401, PARAM_ERROR);
    }
    st.kind = 'sequence';
    // The pool runs the tasks of one queue strictly one after another, in execute order;
    // a failing task does not stop the ones after it.
    return run(task, this.priority, 0, this.queueName);
  }
}

// ----- AsyncRunner ----------------------------------------------------------------------------

const namedAsyncRunners = new Map<string, AsyncRunner>();

class Waiter {
  task: Task;
  priority: number;
  resolve: (v: any) => void;
  reject: (e: any) => void;
  constructor(task: Task, priority: number, resolve: (v: any) => void, reject: (e: any) => void) {
    this.task = task;
    this.priority = priority;
    this.resolve = resolve;
    this.reject = reject;
  }
}

function checkCapacity(n: any, allowZero: boolean): number {
  if (typeof n !== 'number' || Number.isNaN(n) || n < 0 || (!allowZero && n < 1)) {
    throw businessError(401, PARAM_ERROR);
  }
  return Math.floor(n);
}

// The runner each AsyncRunner task was given to (for cancelling it while it waits).
const asyncRunnerOf = new WeakMap<Task, AsyncRunner>();

class AsyncRunner {
  private running: number = 0;
  private runningCapacity: number = 1;
  private waitingCapacity: number = 0;
  private waiting: Waiter[] = [];

  constructor(a: any, b?: any, c?: any) {
    if (typeof a === 'string') {
      const existing = namedAsyncRunners.get(a);
      if (existing !== undefined) {
        return existing;
      }
      this.runningCapacity = checkCapacity(b, false);
      this.waitingCapacity = c === undefined ? 0 : checkCapacity(c, true);
      namedAsyncRunners.set(a, this);
    } else {
      this.runningCapacity = checkCapacity(a, false);
      this.waitingCapacity = b === undefined ? 0 : checkCapacity(b, true);
    }
  }

  execute(task: Task, priority?: Priority): Promise<Object> {
    if (!(task instanceof Task)) {
      throw businessError(401, PARAM_ERROR);
    }
    const prio = checkPriority(priority);
    const st = stateOf(task);
    if (st.kind === 'periodic') {
      throw businessError(10200051, 'The periodic task cannot be executed again.');
    }
    if (st.kind === 'sequence' || (st.kind === 'plain' && st.executed)) {
      throw businessError(10200057, 'The task cannot be executed by two APIs.');
    }
    if (st.deps.size > 0) {
      throw businessError(10200025, 'dependent task not allowed.');
    }
    if (st.kind === 'async' && st.executed) {
      throw businessError(10200051, 'The periodic task cannot be executed again.');
    }
    if (st.kind !== 'plain' && st.kind !== 'async') {
      throw businessError(401, PARAM_ERROR);
    }
    st.kind = 'async';
    st.executed = true;
    return new Promise<Object>((resolve, reject) => {
      this.waiting.push(new Waiter(task, prio, resolve, reject));
      asyncRunnerOf.set(task, this);
      // Over capacity: the oldest waiter is discarded.
      if (this.waitingCapacity > 0 && this.waiting.length > this.waitingCapacity
        && this.running >= this.runningCapacity) {
        const dropped = this.waiting.shift()!;
        dropped.reject(businessError(10200054, 'The asyncRunner task is discarded.'));
      }
      this.pump();
    });
  }

  // `taskpool.cancel` of a task still waiting here: it never runs, its promise rejects with
  // 10200055. Returns false when the task is not waiting here.
  cancelWaiting(task: Task): boolean {
    const i = this.waiting.findIndex((w: Waiter) => w.task === task);
    if (i < 0) {
      return false;
    }
    const [w] = this.waiting.splice(i, 1);
    w.reject(businessError(10200055, 'The asyncRunner task has been canceled.'));
    return true;
  }

  private pump(): void {
    while (this.running < this.runningCapacity && this.waiting.length > 0) {
      const w = this.waiting.shift()!;
      this.running++;
      let p: Promise<any>;
      try {
        p = run(w.task, w.priority, 0);
      } catch (e) {
        this.running--;
        w.reject(e);
        continue;
      }
      p.then((v) => {
        this.running--;
        w.resolve(v);
        this.pump();
      }, (e) => {
        this.running--;
        w.reject(e);
        this.pump();
      });
    }
  }
}

// ----- module functions -----------------------------------------------------------------------

// `execute(task)` and `executeDelayed` refuse periodic tasks, tasks of an AsyncRunner, and
// tasks that belong to a group or a sequence.
function checkDirectlyExecutable(task: Task): void {
  const st = stateOf(task);
  if (st.kind === 'periodic') {
    throw businessError(10200051, 'The periodic task cannot be executed again.');
  }
  if (st.kind === 'async') {
    throw businessError(10200057, 'The task cannot be executed by two APIs.');
  }
  if (st.kind === 'group' || st.kind === 'sequence') {
    throw businessError(401, PARAM_ERROR);
  }
}

function execute(target: any, ...rest: any[]): Promise<any> {
  if (target instanceof TaskGroup) {
    return runGroup(target, checkPriority(rest[0]));
  }
  if (target instanceof Task) {
    const prio = checkPriority(rest[0]);
    checkDirectlyExecutable(target);
    return run(target, prio, 0);
  }
  if (typeof target === 'function') {
    if (!nativeIsConcurrent(target)) {
      throw businessError(10200014, 'The function is not marked as concurrent.');
    }
    return run(new Task(target, ...rest), Priority.MEDIUM, 0);
  }
  throw businessError(401, PARAM_ERROR);
}

function executeDelayed(delayTime: number, task: Task, priority?: Priority): Promise<Object> {
  if (typeof delayTime !== 'number' || Number.isNaN(delayTime) || !(task instanceof Task)) {
    throw businessError(401, PARAM_ERROR);
  }
  if (delayTime < 0) {
    throw businessError(10200028, 'The delayTime is less than zero.');
  }
  const prio = checkPriority(priority);
  checkDirectlyExecutable(task);
  return run(task, prio, delayTime === 0 ? 1 : delayTime);
}

function executePeriodically(period: number, task: Task, priority?: Priority): void {
  if (typeof period !== 'number' || Number.isNaN(period) || !(task instanceof Task)) {
    throw businessError(401, PARAM_ERROR);
  }
  if (period < 0) {
    throw businessError(10200028, 'The period is less than zero.');
  }
  const prio = checkPriority(priority);
  const st = stateOf(task);
  if (st.executed || st.kind !== 'plain') {
    throw businessError(10200050,
      'The concurrent task has been executed and cannot be executed periodically.');
  }
  if (st.deps.size > 0) {
    throw businessError(10200052, 'The periodic task cannot have a dependency.');
  }
  if (!nativeIsConcurrent((task as any).function)) {
    throw businessError(10200014, 'The function is not marked as concurrent.');
  }
  st.kind = 'periodic';
  st.executed = true;
  let busy = false;
  const tick = (): void => {
    // A period shorter than the task skips ticks instead of piling executions up.
    if (busy) {
      return;
    }
    busy = true;
    let p: Promise<any>;
    try {
      p = run(task, prio, 0);
    } catch (e) {
      busy = false;
      clearInterval(st.periodicTimer);
      st.periodicTimer = undefined;
      return;
    }
    p.then(() => { busy = false; }, () => { busy = false; });
  };
  st.periodicTimer = setInterval(tick, Math.max(period, 1));
}

function cancel(target: any): void {
  if (target instanceof TaskGroup) {
    const gs = groupStates.get(target)!;
    if (!gs.executed || gs.running.size === 0) {
      throw businessError(10200018,
        'The task group to cancel does not exist, taskpool:: taskGroup is not executed or has been executed');
    }
    for (const t of [...gs.running]) {
      cancelTask(t.taskId);
    }
    return;
  }
  let taskId: number;
  if (target instanceof Task) {
    const st = stateOf(target);
    if (st.kind === 'async' && asyncRunnerOf.get(target)?.cancelWaiting(target)) {
      return;
    }
    if (st.kind === 'periodic' && st.periodicTimer !== undefined) {
      clearInterval(st.periodicTimer);
      st.periodicTimer = undefined;
      cancelTask(target.taskId);
      return;
    }
    taskId = target.taskId;
  } else if (typeof target === 'number') {
    taskId = target;
  } else {
    throw businessError(401, PARAM_ERROR);
  }
  if (cancelTask(taskId) === 0) {
    throw businessError(10200015,
      'The task to cancel does not exist, taskpool:: task is not executed or has been executed');
  }
}

function terminateTask(longTask: LongTask): void {
  if (!(longTask instanceof LongTask)) {
    throw businessError(401, PARAM_ERROR);
  }
  // Pool threads are not reserved for a LongTask here, so there is nothing to release.
}

function isConcurrent(func: Function): boolean {
  if (typeof func !== 'function') {
    throw businessError(401, PARAM_ERROR);
  }
  return nativeIsConcurrent(func);
}

function getTaskPoolInfo(): any {
  return poolInfo();
}

// Runs on a pool thread: calls the task's function and reports how it ended. A returned
// promise is awaited here, so only its settled value crosses back to the host.
export function runJob(execId: number, fn: Function, args: any[]): void {
  let r: any;
  try {
    r = fn(...args);
  } catch (e) {
    finish(execId, false, e);
    return;
  }
  if (r instanceof Promise) {
    r.then((v: any) => finish(execId, true, v), (e: any) => finish(execId, false, e));
  } else {
    finish(execId, true, r);
  }
}

export const taskpool = {
  Priority, State, Task, LongTask, GenericsTask, TaskGroup, SequenceRunner, AsyncRunner,
  execute, executeDelayed, executePeriodically, cancel, terminateTask, isConcurrent,
  getTaskPoolInfo,
};
