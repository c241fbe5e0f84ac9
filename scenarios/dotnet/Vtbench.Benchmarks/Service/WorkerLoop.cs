// The event loop of one service worker thread (the C++ side's service_worker.hpp loop):
// - continuations posted on the loop's own thread (a client's next request arriving, as a
//   request read from a socket would: `await loop.Schedule()`), in a ring buffer;
// - work items posted from any thread (Npgsql's answers, completed on the thread pool), in an
//   inbox under a lock, handed to the loop's thread in batches, so that every implementation's
//   continuation runs on the loop's thread, as vtb's types complete from the C++ loop;
// - timers for the open loop (`await loop.Until(timestamp)`), in a min-heap by due time.
// Cost: no allocation per item or timer (the buffers grow only when full, which a worker sized
// for its clients never is); one lock and, when the loop sleeps, one Monitor pulse per item
// from another thread. Monitor.Wait counts whole milliseconds: a wait of under 2 ms (an
// open-loop timer) yields the CPU in a loop instead, so an open loop's client CPU time
// includes those turns.
using System;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Threading;

namespace Vtbench.Benchmarks.Service;

public sealed class WorkerLoop
{
    private Action?[] _ready;
    private int _readyHead;
    private int _readyCount;

    private readonly object _lock = new();
    private IWorkItem?[] _inbox;
    private int _inboxCount;
    private bool _sleeping;
    private IWorkItem?[] _batch;

    private long[] _timerDue;
    private Action?[] _timerContinuation;
    private int _timerCount;

    public WorkerLoop(int capacity)
    {
        int size = Math.Max(capacity, 1) * 2;
        _ready = new Action?[size];
        _inbox = new IWorkItem?[size];
        _batch = new IWorkItem?[size];
        _timerDue = new long[size];
        _timerContinuation = new Action?[size];
    }

    /// <summary>When the loop last took items from other threads (Stopwatch ticks; 0: never).</summary>
    public long LastArrival { get; private set; }

    /// <summary>Timers set and not yet due.</summary>
    public int PendingTimers => _timerCount;

    /// <summary>The next timer's due time (Stopwatch ticks); only while PendingTimers &gt; 0.</summary>
    public long NextDue => _timerDue[0];

    /// <summary>On the loop's thread: runs <paramref name="continuation"/> at the loop's next turn.</summary>
    public void Post(Action continuation)
    {
        if (_readyCount == _ready.Length) _ready = Grown(_ready, _readyHead, _readyCount, out _readyHead);
        _ready[(_readyHead + _readyCount) % _ready.Length] = continuation;
        ++_readyCount;
    }

    /// <summary>From any thread: <paramref name="item"/> runs on the loop's thread.</summary>
    public void PostFromAnyThread(IWorkItem item)
    {
        lock (_lock)
        {
            if (_inboxCount == _inbox.Length) _inbox = Grown(_inbox, 0, _inboxCount, out _);
            _inbox[_inboxCount++] = item;
            if (_sleeping) Monitor.Pulse(_lock);
        }
    }

    /// <summary>await loop.Schedule(): the rest of the method runs at the loop's next turn.</summary>
    public ScheduleAwaitable Schedule() => new(this);

    /// <summary>await loop.Until(t): the rest runs once Stopwatch.GetTimestamp() &gt;= t (at once if it is).</summary>
    public TimerAwaitable Until(long timestamp) => new(this, timestamp);

    /// <summary>
    /// Runs what is ready: the posted continuations, the items from other threads and the timers
    /// that are due, until none is left; true when anything ran.
    /// </summary>
    public bool RunReady()
    {
        bool ran = false;
        for (;;)
        {
            bool turn = false;
            while (_readyCount > 0)
            {
                Action continuation = _ready[_readyHead]!;
                _ready[_readyHead] = null;
                _readyHead = (_readyHead + 1) % _ready.Length;
                --_readyCount;
                continuation();
                turn = true;
            }
            turn |= RunInbox();
            turn |= RunDueTimers();
            if (!turn) return ran;
            ran = true;
        }
    }

    /// <summary>
    /// Sleeps until an item arrives from another thread, the next timer is due or
    /// <paramref name="timeoutTicks"/> have passed; true when an item arrived.
    /// </summary>
    public bool Wait(long timeoutTicks)
    {
        long now = Stopwatch.GetTimestamp();
        long until = now + Math.Max(0, timeoutTicks);
        if (_timerCount > 0) until = Math.Min(until, _timerDue[0]);
        long millisecond = Stopwatch.Frequency / 1000;
        while (true)
        {
            lock (_lock)
            {
                if (_inboxCount > 0) return true;
                now = Stopwatch.GetTimestamp();
                if (now >= until) return false;
                long left = until - now;
                if (left >= 2 * millisecond)
                {
                    // Monitor.Wait counts whole milliseconds: sleep the whole ones, spin the rest.
                    _sleeping = true;
                    Monitor.Wait(_lock, (int)Math.Min(left / millisecond - 1, int.MaxValue));
                    _sleeping = false;
                    continue;
                }
            }
            Thread.Yield();  // under 2 ms to the deadline (an open-loop timer): let the server run
        }
    }

    private bool RunInbox()
    {
        int count;
        lock (_lock)
        {
            count = _inboxCount;
            if (count == 0) return false;
            if (_batch.Length < count) _batch = new IWorkItem?[_inbox.Length];
            Array.Copy(_inbox, _batch, count);
            Array.Clear(_inbox, 0, count);
            _inboxCount = 0;
        }
        LastArrival = Stopwatch.GetTimestamp();
        for (int i = 0; i < count; ++i)
        {
            IWorkItem item = _batch[i]!;
            _batch[i] = null;
            item.Execute();
        }
        return true;
    }

    private bool RunDueTimers()
    {
        if (_timerCount == 0) return false;
        bool ran = false;
        long now = Stopwatch.GetTimestamp();
        while (_timerCount > 0 && _timerDue[0] <= now)
        {
            Action continuation = _timerContinuation[0]!;
            RemoveFirstTimer();
            continuation();
            ran = true;
        }
        return ran;
    }

    private void AddTimer(long due, Action continuation)
    {
        if (_timerCount == _timerDue.Length)
        {
            Array.Resize(ref _timerDue, _timerDue.Length * 2);
            Array.Resize(ref _timerContinuation, _timerContinuation.Length * 2);
        }
        int at = _timerCount++;
        while (at > 0)
        {
            int parent = (at - 1) / 2;
            if (_timerDue[parent] <= due) break;
            _timerDue[at] = _timerDue[parent];
            _timerContinuation[at] = _timerContinuation[parent];
            at = parent;
        }
        _timerDue[at] = due;
        _timerContinuation[at] = continuation;
    }

    private void RemoveFirstTimer()
    {
        int last = --_timerCount;
        long due = _timerDue[last];
        Action? continuation = _timerContinuation[last];
        _timerContinuation[last] = null;
        if (last == 0) return;
        int at = 0;
        while (true)
        {
            int child = 2 * at + 1;
            if (child >= last) break;
            if (child + 1 < last && _timerDue[child + 1] < _timerDue[child]) ++child;
            if (_timerDue[child] >= due) break;
            _timerDue[at] = _timerDue[child];
            _timerContinuation[at] = _timerContinuation[child];
            at = child;
        }
        _timerDue[at] = due;
        _timerContinuation[at] = continuation;
    }

    private static TItem[] Grown<TItem>(TItem[] items, int head, int count, out int newHead)
    {
        var bigger = new TItem[items.Length * 2];
        for (int i = 0; i < count; ++i) bigger[i] = items[(head + i) % items.Length];
        newHead = 0;
        return bigger;
    }

    public readonly struct ScheduleAwaitable : ICriticalNotifyCompletion
    {
        private readonly WorkerLoop _loop;

        public ScheduleAwaitable(WorkerLoop loop) => _loop = loop;

        public ScheduleAwaitable GetAwaiter() => this;
        public bool IsCompleted => false;
        public void GetResult() { }
        public void OnCompleted(Action continuation) => _loop.Post(continuation);
        public void UnsafeOnCompleted(Action continuation) => _loop.Post(continuation);
    }

    public readonly struct TimerAwaitable : ICriticalNotifyCompletion
    {
        private readonly WorkerLoop _loop;
        private readonly long _due;

        public TimerAwaitable(WorkerLoop loop, long due)
        {
            _loop = loop;
            _due = due;
        }

        public TimerAwaitable GetAwaiter() => this;
        public bool IsCompleted => Stopwatch.GetTimestamp() >= _due;
        public void GetResult() { }
        public void OnCompleted(Action continuation) => _loop.AddTimer(_due, continuation);
        public void UnsafeOnCompleted(Action continuation) => _loop.AddTimer(_due, continuation);
    }
}
