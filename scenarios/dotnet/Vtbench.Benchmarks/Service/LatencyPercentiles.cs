// Exact latency percentiles by the nearest-rank rule, as scenarios/service/latency_percentiles.hpp
// computes them (docs/service-format.md): the percentile p of n values is the value at 1-based
// rank ceil(p / 100 * n) of the sorted values (rank 1 for p = 0), and p = 100 is the largest.
//
// Cost: partial selection in place (a quickselect per point, each on what is left above the
// previous one, as the C++ side's std::nth_element): O(n) per point, no allocation.
using System;

namespace Vtbench.Benchmarks.Service;

public static class LatencyPercentiles
{
    /// <summary>The 1-based nearest rank of percentile <paramref name="p"/> among <paramref name="n"/> values.</summary>
    public static int NearestRank(double p, int n)
    {
        if (n <= 0) throw new ArgumentOutOfRangeException(nameof(n), "nearest_rank: no values");
        if (!(p >= 0 && p <= 100)) throw new ArgumentOutOfRangeException(nameof(p), "nearest_rank: p must be within 0..100");
        // The product nudged down by a relative 1e-12, as the C++ side does (there in long
        // double): 99.9 % of 1000 is rank 999, not 1000 through 99.9's binary rounding. In
        // double the product is within 3e-16 (relative) of long double's, and for a p of at most
        // two decimals (every point the service reports) and n below 10^8 the nudged product is
        // farther than that from an integer: the two sides' ranks agree.
        double exact = p / 100 * n;
        long rank = (long)Math.Ceiling(exact * (1 - 1e-12));
        return (int)Math.Clamp(rank, 1, n);
    }

    /// <summary>The values at each of <paramref name="points"/> (percentiles, ascending); reorders <paramref name="values"/>.</summary>
    public static (double P, long Value)[] Compute(Span<long> values, ReadOnlySpan<double> points)
    {
        for (int i = 1; i < points.Length; ++i)
        {
            if (points[i] < points[i - 1]) throw new ArgumentException("percentiles: points must be ascending", nameof(points));
        }
        var found = new (double, long)[points.Length];
        int lower = 0;
        for (int i = 0; i < points.Length; ++i)
        {
            int nth = NearestRank(points[i], values.Length) - 1;
            Select(values, lower, values.Length - 1, nth);
            found[i] = (points[i], values[nth]);
            lower = nth;
        }
        return found;
    }

    /// <summary>
    /// Reorders values[left..right] so that values[nth] is the value a sort would put there, none
    /// before it larger and none after it smaller (Hoare's quickselect, median-of-three pivots).
    /// </summary>
    public static void Select(Span<long> values, int left, int right, int nth)
    {
        while (right > left)
        {
            int middle = left + (right - left) / 2;
            if (values[middle] < values[left]) Swap(values, middle, left);
            if (values[right] < values[left]) Swap(values, right, left);
            if (values[right] < values[middle]) Swap(values, right, middle);
            long pivot = values[middle];
            int i = left, j = right;
            while (i <= j)
            {
                while (values[i] < pivot) ++i;
                while (values[j] > pivot) --j;
                if (i <= j)
                {
                    Swap(values, i, j);
                    ++i;
                    --j;
                }
            }
            // values[left..j] <= pivot <= values[i..right], and values[j+1..i-1] == pivot
            if (nth <= j) right = j;
            else if (nth >= i) left = i;
            else return;
        }
    }

    private static void Swap(Span<long> values, int a, int b) => (values[a], values[b]) = (values[b], values[a]);
}
