using System.Linq;
using Vtbench.Benchmarks;
using Xunit;

namespace Vtbench.Benchmarks.Tests;

public class KeyPlanTests
{
    [Fact]
    public void FirstShuffleMatchesTheSharedReference()
    {
        var plan = new KeyPlan(90);
        Assert.Equal(new[] { 934, 321, 15, 628, 575, 203, 772, 306, 73, 720 }, plan.CachedOrder.Take(10));
    }

    [Fact]
    public void SequenceMatchesTheSharedReference()
    {
        var plan = new KeyPlan(90);
        Assert.Equal(new[] { 949, 508, 387, 302, 180, 103, 656, 322, 562, 627 }, plan.Sequence.Take(10));
        var misses = plan.Sequence.Take(20).Where(key => !plan.IsCached[key]).ToArray();
        Assert.Equal(new[] { 302 }, misses);
    }

    [Fact]
    public void SequenceIsAPermutationOfTheKeySpace()
    {
        var plan = new KeyPlan(50);
        Assert.Equal(Enumerable.Range(0, KeyPlan.DefaultKeyCount), plan.Sequence.OrderBy(k => k));
        Assert.Equal(Enumerable.Range(0, KeyPlan.DefaultKeyCount), plan.CachedOrder.OrderBy(k => k));
    }

    [Fact]
    public void EveryCycleHasExactlyTheHitRatio()
    {
        for (int hit = 0; hit <= 100; ++hit)
        {
            var service = new CacheService<int, IntPayload>(hit);
            int hits = 0;
            for (int i = 0; i < 2 * service.KeyCount; ++i)
            {
                if (service.TryFind(service.NextKey(), out _)) ++hits;
            }
            Assert.Equal(2 * (KeyPlan.DefaultKeyCount * hit / 100), hits);
        }
    }

    [Fact]
    public void HitPercentOutsideTheRangeIsRefused()
    {
        Assert.Throws<System.ArgumentOutOfRangeException>(() => new KeyPlan(101));
        Assert.Throws<System.ArgumentOutOfRangeException>(() => new KeyPlan(-1));
    }

    [Fact]
    public void GeneratorIsSplitMix64()
    {
        // splitmix64 seeded with 0: the published first output.
        Assert.Equal(0xE220A8397B1DCDAFUL, new SplitMix64(0).Next());
    }
}

public class PayloadTests
{
    [Fact]
    public void IntPayloadsAvoidTheTaskCacheAndSumToTheReference()
    {
        var service = new CacheService<int, IntPayload>(100);
        Assert.Equal(4496500UL, service.CycleChecksum);
        Assert.Equal(1000, IntPayload.Make(0));
        Assert.All(Enumerable.Range(0, 1000), key => Assert.False(IntPayload.Make(key) is >= -1 and <= 8));
    }

    [Fact]
    public void StringPayloadIs48CharactersWithTheKeyDigitsFirst()
    {
        string value = StringPayload.Make(934);
        Assert.Equal(48, value.Length);
        Assert.Equal("934" + new string('a', 45), value);
        Assert.Equal(48UL + '9' + '3', StringPayload.Checksum(value));
        Assert.Equal(48UL + '7' + 'a', StringPayload.Checksum(StringPayload.Make(7)));
        Assert.NotSame(StringPayload.Make(5), StringPayload.Make(5));
    }

    [Fact]
    public void ExpectedChecksumCoversPartialCycles()
    {
        var service = new CacheService<string, StringPayload>(50);
        ulong sum = 0;
        for (int i = 0; i < 1500; ++i) sum += StringPayload.Checksum(StringPayload.Make(service.NextKey()));
        Assert.Equal(sum, service.ExpectedChecksum(1500));
        Assert.Equal(service.CycleChecksum, service.ExpectedChecksum(1000));
    }
}
