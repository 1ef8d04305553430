using HealthKit.Engine;

namespace HealthKit.Telemetry;

/// <summary>
/// Requests answered with an answer rendered earlier from the cached results of exactly <see cref="Slots"/>: one
/// increment per request, however many checks the answer holds.
/// </summary>
internal sealed class AnswerHits(int[] slots)
{
    private long _count;

    /// <summary>The <see cref="CheckSlot.Index"/> of each check the answers hold, in the endpoint's order.</summary>
    public int[] Slots { get; } = slots;

    /// <summary>How many requests were answered so far.</summary>
    public long Count => Volatile.Read(ref _count);

    public void Add() => Interlocked.Increment(ref _count);

    /// <summary>Whether these are the hits of answers of exactly <paramref name="slots"/>, in that order.</summary>
    public bool Covers(CheckSlot[] slots)
    {
        if (slots.Length != Slots.Length)
        {
            return false;
        }

        for (var i = 0; i < slots.Length; i++)
        {
            if (slots[i].Index != Slots[i])
            {
                return false;
            }
        }

        return true;
    }
}
