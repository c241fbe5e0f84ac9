// The world of the article's GetMessageAsync(id), mirroring scenarios/cache_service.hpp:
// a cache in front of a database, the seeded key sequence, the payloads and the run loop
// that completes the database's answers.
using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Threading.Tasks;
using System.Threading.Tasks.Sources;

namespace Vtbench.Benchmarks;

/// <summary>splitmix64, the portable generator shared with the C++ side (all arithmetic wraps).</summary>
public sealed class SplitMix64
{
    private ulong _state;

    public SplitMix64(ulong seed) => _state = seed;

    public ulong Next()
    {
        unchecked
        {
            _state += 0x9E3779B97F4A7C15UL;
            ulong z = _state;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }
    }

    /// <summary>A value in [0, n): the top 32 bits scaled (Lemire's multiply, no rejection).</summary>
    public uint Bounded(uint n) => (uint)(((Next() >> 32) * n) >> 32);

    /// <summary>Fisher-Yates from the end: for i = n-1 down to 1, swap a[i] with a[bounded(i+1)].</summary>
    public void Shuffle(int[] values)
    {
        for (int i = values.Length - 1; i >= 1; --i)
        {
            int j = (int)Bounded((uint)(i + 1));
            (values[i], values[j]) = (values[j], values[i]);
        }
    }
}

/// <summary>Which keys are cached, and the order in which a benchmark asks for keys.</summary>
public sealed class KeyPlan
{
    public const int DefaultKeyCount = 1000;
    public const uint DefaultSeed = 20261126;

    /// <summary>The keys after the first shuffle; the first <see cref="CachedCount"/> are hits.</summary>
    public int[] CachedOrder { get; }

    /// <summary>Whether each key (by value) is cached for good.</summary>
    public bool[] IsCached { get; }

    /// <summary>The sequence, walked cyclically: a second shuffle with the same generator.</summary>
    public int[] Sequence { get; }

    public int CachedCount { get; }

    /// <summary>
    /// The plan of <paramref name="hitPercent"/> % hits, which must be a whole number of the keys
    /// (99.9 % of 1000 keys is 999), as scenarios/key_sequence.hpp requires.
    /// </summary>
    public KeyPlan(double hitPercent, int keyCount = DefaultKeyCount, uint seed = DefaultSeed)
    {
        if (!(hitPercent >= 0 && hitPercent <= 100))
            throw new ArgumentOutOfRangeException(nameof(hitPercent), "hit_percent must be within 0..100");
        if (keyCount <= 0) throw new ArgumentOutOfRangeException(nameof(keyCount), "key count must be positive");
        double cached = keyCount * hitPercent / 100;
        if (Math.Abs(cached - Math.Round(cached)) > 1e-6)
            throw new ArgumentOutOfRangeException(nameof(hitPercent),
                $"{hitPercent} % of {keyCount} keys is not a whole number of keys");
        var random = new SplitMix64(seed);
        int[] keys = new int[keyCount];
        for (int i = 0; i < keyCount; ++i) keys[i] = i;
        random.Shuffle(keys);
        CachedOrder = (int[])keys.Clone();
        CachedCount = (int)Math.Round(cached);
        IsCached = new bool[keyCount];
        for (int i = 0; i < CachedCount; ++i) IsCached[keys[i]] = true;
        random.Shuffle(keys);
        Sequence = keys;
    }
}

/// <summary>A payload type: how the database makes a value and what a benchmark sums of it.</summary>
public interface IPayload<T>
{
    static abstract string Name { get; }
    static abstract T Make(int key);
    static abstract ulong Checksum(T value);
}

/// <summary>int payloads: 1000 + 7*key, outside -1..8 so Task.FromResult never hits its cache.</summary>
public readonly struct IntPayload : IPayload<int>
{
    public static string Name => "int";
    public static int Make(int key) => 1000 + 7 * key;
    public static ulong Checksum(int value) => (ulong)value;
}

/// <summary>string payloads: a fresh 48-character string of 'a' with the key's digits over its start.</summary>
public readonly struct StringPayload : IPayload<string>
{
    public const int Length = 48;
    public static string Name => "string";

    public static string Make(int key) =>
        string.Create(Length, key, static (span, k) =>
        {
            span.Fill('a');
            k.TryFormat(span, out _, default, System.Globalization.CultureInfo.InvariantCulture);
        });

    public static ulong Checksum(string value) => (ulong)value.Length + value[0] + value[1];
}

/// <summary>Something the run loop runs: the database's answer arriving.</summary>
public interface IWorkItem
{
    void Execute();
}

/// <summary>
/// The single-threaded loop the benchmark drives (C++ vtb::run_loop): a FIFO of posted work
/// items in a ring buffer that grows only when full, so posting allocates nothing per operation.
/// </summary>
public sealed class RunLoop
{
    private IWorkItem?[] _items;
    private int _head;
    private int _count;

    public RunLoop(int capacity = 16) => _items = new IWorkItem?[Math.Max(capacity, 1)];

    public int Pending => _count;

    public void Post(IWorkItem item)
    {
        if (_count == _items.Length) Grow();
        _items[(_head + _count) % _items.Length] = item;
        ++_count;
    }

    /// <summary>Runs the oldest item; false when there was none.</summary>
    public bool RunOne()
    {
        if (_count == 0) return false;
        IWorkItem item = _items[_head]!;
        _items[_head] = null;
        _head = (_head + 1) % _items.Length;
        --_count;
        item.Execute();
        return true;
    }

    /// <summary>Runs items until none is left.</summary>
    public void Run()
    {
        while (RunOne()) { }
    }

    private void Grow()
    {
        var bigger = new IWorkItem?[_items.Length * 2];
        for (int i = 0; i < _count; ++i) bigger[i] = _items[(_head + i) % _items.Length];
        _items = bigger;
        _head = 0;
    }
}

/// <summary>Who is told when a database request completes (on the loop that serves the request).</summary>
public interface IDbCompletion<T>
{
    void Complete(int key, T value);

    /// <summary>The request failed (a real database's error; the simulated one never fails).</summary>
    void Fail(Exception error);
}

/// <summary>
/// The database behind the cache: the simulated one the benchmarks use (<see cref="CacheService{T,TPayload}"/>'s
/// own, completed by its run loop), or a real server (the service mode's NpgsqlDatabase).
/// </summary>
public interface IDatabase<T>
{
    /// <summary>The answer, blocking the caller until it is there (the sync implementation's miss).</summary>
    T Load(int key);

    /// <summary>The request as an awaitable; it completes on the loop that serves the caller.</summary>
    ValueTask<T> LoadAsync(int key);

    /// <summary>Sends the request; <paramref name="completion"/> is told on the loop that serves the caller.</summary>
    void BeginLoad(int key, IDbCompletion<T> completion);
}

/// <summary>
/// The cache and the database. Exactly hit_percent % of the keys are cached for good; the
/// others are never fresh (a store on a miss writes the entry, which expires at once). The
/// dictionary holds an entry for every key; nothing is inserted or erased while a benchmark runs.
/// The simulated database's pending request is one reusable object: a miss allocates nothing here.
/// </summary>
public sealed class CacheService<T, TPayload> where TPayload : struct, IPayload<T>
{
    private struct Entry
    {
        public T Value;
        public bool Fresh;
        public bool ExpiresAtOnce;
    }

    private readonly Dictionary<int, Entry> _entries;
    private readonly int[] _sequence;
    private readonly IDatabase<T> _database;
    private int _position;

    /// <summary>The cache in front of the simulated database, completed by <see cref="Loop"/>.</summary>
    public CacheService(double hitPercent, int keyCount = KeyPlan.DefaultKeyCount, uint seed = KeyPlan.DefaultSeed)
        : this(hitPercent, null, keyCount, seed)
    {
    }

    /// <summary>The cache in front of <paramref name="database"/> (null: the simulated one).</summary>
    public CacheService(double hitPercent, IDatabase<T>? database, int keyCount = KeyPlan.DefaultKeyCount,
                        uint seed = KeyPlan.DefaultSeed)
    {
        HitPercent = hitPercent;
        Plan = new KeyPlan(hitPercent, keyCount, seed);
        _entries = new Dictionary<int, Entry>(keyCount);
        foreach (int key in Plan.CachedOrder)
        {
            bool fresh = Plan.IsCached[key];
            _entries[key] = new Entry { Value = TPayload.Make(key), Fresh = fresh, ExpiresAtOnce = !fresh };
        }
        _sequence = Plan.Sequence;
        foreach (int key in _sequence) CycleChecksum += TPayload.Checksum(TPayload.Make(key));
        _database = database ?? new SimulatedDatabase(this);
    }

    public double HitPercent { get; }
    public KeyPlan Plan { get; }
    public RunLoop Loop { get; } = new RunLoop();
    public int KeyCount => _sequence.Length;

    /// <summary>The checksum of one full cycle of the sequence.</summary>
    public ulong CycleChecksum { get; }

    /// <summary>The position in the sequence of the next key.</summary>
    public int Position => _position;

    public int NextKey()
    {
        int key = _sequence[_position];
        if (++_position == _sequence.Length) _position = 0;
        return key;
    }

    public void Rewind() => _position = 0;

    /// <summary>The checksum a correct run over the first <paramref name="operations"/> keys produces.</summary>
    public ulong ExpectedChecksum(long operations)
    {
        ulong sum = (ulong)(operations / _sequence.Length) * CycleChecksum;
        for (long i = 0; i < operations % _sequence.Length; ++i) sum += TPayload.Checksum(TPayload.Make(_sequence[i]));
        return sum;
    }

    /// <summary>The cached value, if the key is fresh.</summary>
    public bool TryFind(int key, out T value)
    {
        ref Entry slot = ref CollectionsMarshal.GetValueRefOrNullRef(_entries, key);
        if (Unsafe.IsNullRef(ref slot)) throw new KeyNotFoundException($"key {key} is outside the key space");
        if (slot.Fresh)
        {
            value = slot.Value;
            return true;
        }
        value = default!;
        return false;
    }

    public void Store(int key, T value)
    {
        ref Entry slot = ref CollectionsMarshal.GetValueRefOrNullRef(_entries, key);
        if (Unsafe.IsNullRef(ref slot)) throw new KeyNotFoundException($"key {key} is outside the key space");
        slot.Value = value;
        slot.Fresh = !slot.ExpiresAtOnce;
    }

    /// <summary>The database's answer, blocking until it is there (the simulated one's at once).</summary>
    public T Load(int key) => _database.Load(key);

    /// <summary>
    /// Asks the database; <paramref name="completion"/> is told through the loop. The simulated
    /// database takes one request at a time: the benchmarks await each operation.
    /// </summary>
    public void BeginLoad(int key, IDbCompletion<T> completion) => _database.BeginLoad(key, completion);

    /// <summary>await service.LoadAsync(key): the database request for async methods, completed by the loop.</summary>
    public ValueTask<T> LoadAsync(int key) => _database.LoadAsync(key);

    /// <summary>
    /// The simulated database's one request: a work item posted to the service's loop, and the
    /// IValueTaskSource an awaiting method waits on (reset by GetResult, so it is reused for the next miss).
    /// </summary>
    private sealed class SimulatedDatabase : IDatabase<T>, IWorkItem, IValueTaskSource<T>, IDbCompletion<T>
    {
        private readonly CacheService<T, TPayload> _owner;
        private ManualResetValueTaskSourceCore<T> _core;
        private IDbCompletion<T>? _completion;
        private int _key;

        public SimulatedDatabase(CacheService<T, TPayload> owner) => _owner = owner;

        public T Load(int key) => TPayload.Make(key);

        public void BeginLoad(int key, IDbCompletion<T> completion)
        {
            if (_completion is not null)
                throw new InvalidOperationException("cache_service: a database request is already in flight");
            _key = key;
            _completion = completion;
            _owner.Loop.Post(this);
        }

        public ValueTask<T> LoadAsync(int key)
        {
            BeginLoad(key, this);
            return new ValueTask<T>(this, _core.Version);
        }

        public void Execute()
        {
            IDbCompletion<T> completion = _completion!;
            _completion = null;
            completion.Complete(_key, TPayload.Make(_key));
        }

        void IDbCompletion<T>.Complete(int key, T value) => _core.SetResult(value);

        void IDbCompletion<T>.Fail(Exception error) => _core.SetException(error);

        public T GetResult(short token)
        {
            T value = _core.GetResult(token);
            _core.Reset();
            return value;
        }

        public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

        public void OnCompleted(Action<object?> continuation, object? state, short token,
                                ValueTaskSourceOnCompletedFlags flags) =>
            _core.OnCompleted(continuation, state, token, flags);
    }
}
