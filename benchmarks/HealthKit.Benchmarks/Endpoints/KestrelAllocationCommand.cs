using System.Diagnostics;
using System.Globalization;

namespace HealthKit.Benchmarks.Endpoints;

/// <summary>
/// <c>kestrel-allocations [--checks 0,10,50,200] [--requests 1000] [--windows 40]</c>: what a cached answer allocates
/// through Kestrel, per request, apart from what the process allocates on timers.
/// </summary>
/// <remarks>
/// <para>
/// For each number of extra checks it starts the applications of <see cref="KestrelCachedAnswers"/> and, for each row,
/// sends 2,000 requests to warm it, then <c>--windows</c> windows of <c>--requests</c> requests one after another on
/// the row's keep-alive connection, reading <c>GC.GetTotalAllocatedBytes(precise: true)</c>, which counts every thread of
/// the process, before and after each window. Every answer must be 200, or the command fails.
/// </para>
/// <para>
/// An allocation made by every request shows in every window, at least the number of requests times its size; work on
/// a timer (<c>self</c> run once a second and its answers rendered again, Kestrel's timers) shows only in the windows it
/// falls in. So a row with a window of 0 B made those requests without allocating anything, anywhere in the process,
/// and the least bytes of any window over its requests bounds what one request allocates.
/// </para>
/// </remarks>
internal static class KestrelAllocationCommand
{
    private const int WarmRequests = 2_000;
    private static readonly TimeSpan TimeLimit = TimeSpan.FromMinutes(15);

    public static async Task<int> RunAsync(string[] args)
    {
        int[] checkCounts;
        int requests;
        int windows;
        try
        {
            checkCounts = Option(args, "--checks", "0,10,50,200").Split(',').Select(c => Parse(c, "--checks", 10_000)).ToArray();
            requests = Parse(Option(args, "--requests", "1000"), "--requests", 1_000_000);
            windows = Parse(Option(args, "--windows", "40"), "--windows", 10_000);
        }
        catch (FormatException ex)
        {
            await Console.Error.WriteLineAsync(ex.Message);
            await Console.Error.WriteLineAsync("usage: kestrel-allocations [--checks N1,N2,...] [--requests N] [--windows N]   (each at least 1 but --checks, which may be 0)");
            return 2;
        }

        var clock = Stopwatch.StartNew();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{windows} windows of {requests} requests per row, after {WarmRequests} to warm it; bytes from GC.GetTotalAllocatedBytes(precise: true)"));
        Console.WriteLine();
        Console.WriteLine("| extra checks | request | windows of 0 B | least bytes in a window | median | most | least bytes per request |");
        Console.WriteLine("|---:|---|---:|---:|---:|---:|---:|");
        foreach (var checks in checkCounts)
        {
            var answers = await KestrelCachedAnswers.StartAsync(checks);
            await using (answers.ConfigureAwait(false))
            {
                for (var row = 0; row < answers.Rows.Count; row++)
                {
                    var bytes = Measure(answers.Rows[row], requests, windows, clock);
                    Array.Sort(bytes);
                    Console.WriteLine(string.Create(
                        CultureInfo.InvariantCulture,
                        $"| {checks} | {KestrelCachedAnswers.RowNames[row]} | {bytes.Count(b => b == 0)} of {windows} | {bytes[0]:N0} | {bytes[windows / 2]:N0} | {bytes[^1]:N0} | {(double)bytes[0] / requests:0.###} |"));
                }
            }
        }

        return 0;
    }

    private static long[] Measure(LoopbackHttpClient client, int requests, int windows, Stopwatch clock)
    {
        for (var i = 0; i < WarmRequests; i++)
        {
            Expect200(client.Send(), clock);
        }

        var bytes = new long[windows];
        for (var w = 0; w < windows; w++)
        {
            var before = GC.GetTotalAllocatedBytes(precise: true);
            var status = 200;
            for (var i = 0; i < requests; i++)
            {
                var answered = client.Send();
                status = answered == 200 ? status : answered;
            }

            bytes[w] = GC.GetTotalAllocatedBytes(precise: true) - before;
            Expect200(status, clock);
        }

        return bytes;
    }

    private static void Expect200(int status, Stopwatch clock)
    {
        if (status != 200)
        {
            throw new InvalidOperationException($"An answer was {status}, not 200.");
        }

        if (clock.Elapsed > TimeLimit)
        {
            throw new TimeoutException($"Stopped after {TimeLimit.TotalMinutes} minutes.");
        }
    }

    private static string Option(string[] args, string name, string fallback)
    {
        var at = Array.IndexOf(args, name);
        return at < 0 ? fallback : at + 1 < args.Length ? args[at + 1] : throw new FormatException($"{name} needs a value.");
    }

    private static int Parse(string text, string name, int most) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value <= most && (value > 0 || name == "--checks")
            ? value
            : throw new FormatException($"{name}: '{text}' is not a whole number from {(name == "--checks" ? 0 : 1)} to {most}.");
}
