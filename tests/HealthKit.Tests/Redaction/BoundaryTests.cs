using System.Runtime.CompilerServices;
using HealthKit.Engine;
using HealthKit.Redaction;
using HealthKit.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace HealthKit.Tests.Redaction;

/// <summary>The boundary's settings and limits: check names, the application's own secrets, and unreadable data.</summary>
public sealed class BoundaryTests
{
    [Theory]
    [InlineData("orders db", "U+0020", "position 6")]
    [InlineData("-orders", "'-'", "position 0")]
    [InlineData("orders\u202Edb", "U+202E", "position 6")]
    [InlineData("a/b", "'/'", "position 1")]
    public async Task AddCheck_NameOutsideTheCharacterSet_StopsStartupNamingTheCheck(string name, string character, string position)
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            TestHost.StartAsync(b => b.Services.AddHealthKit().AddCheck(name, () => HealthCheckResult.Healthy())));

        Assert.Contains("The health check name '" + name.Replace("\u202E", @"\u202E", StringComparison.Ordinal) + "'", error.Message, StringComparison.Ordinal);
        Assert.Contains(character, error.Message, StringComparison.Ordinal);
        Assert.Contains(position, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AddCheck_NameLongerThanTheLimit_StopsStartup()
    {
        var name = new string('n', CheckNames.MaxLength + 1);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            TestHost.StartAsync(b => b.Services.AddHealthKit().AddCheck(name, () => HealthCheckResult.Healthy())));

        Assert.Contains("is 201 characters long; check names are at most 200 characters", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AddCheck_NameOfEveryAllowedCharacterAtTheLimit_Starts()
    {
        var name = ("0aZ-_.:" + new string('x', CheckNames.MaxLength))[..CheckNames.MaxLength];
        await using var host = await TestHost.StartAsync(b => b.Services.AddHealthKit().AddCheck(name, () => HealthCheckResult.Healthy()));

        Assert.Equal(200, (await host.GetAsync("/health")).StatusCode);
    }

    [Fact]
    public async Task Redaction_ApplicationWordsAndPatterns_AreMaskedInResponsesAndLogs()
    {
        var sink = new StructuredLogSink();
        await using var host = await TestHost.StartAsync(
            b =>
            {
                b.Logging.AddProvider(sink);
                b.Services.AddHealthKit(o => o.IncludeExceptionDetails = true)
                    .AddCheck("custom", () => HealthCheckResult.Unhealthy(
                        "tenant acme-tok-8f3a9c2e71 rejected; pin=48213377",
                        new InvalidOperationException("acme-tok-8f3a9c2e71 expired"),
                        new Dictionary<string, object> { ["tenantPin"] = "48213377", ["note"] = "session acme-tok-8f3a9c2e71" }));
            },
            configuration: new Dictionary<string, string?>
            {
                ["HealthKit:Redaction:SecretKeyWords:0"] = "pin",
                ["HealthKit:Redaction:SecretPatterns:0"] = @"acme-tok-(?<secret>[0-9a-f]{10})",
            },
            environment: "Development");

        var response = await host.GetAsync("/health");

        Assert.Equal("tenant acme-tok-****** rejected; pin=******", response.Description("custom"));
        Assert.Equal("acme-tok-****** expired", response.Entry("custom").GetProperty("exception").GetString());
        Assert.Equal("******", response.Entry("custom").GetProperty("data").GetProperty("tenantPin").GetString());
        Assert.Equal("session acme-tok-******", response.Entry("custom").GetProperty("data").GetProperty("note").GetString());
        Assert.Contains(sink.Records, r => r.EventId.Name == "HealthKitCheckStatusChanged");
        Assert.All(sink.Records.SelectMany(r => r.Texts()), t => Assert.DoesNotContain("8f3a9c2e71", t, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("HealthKit:Redaction:SecretPatterns:0", "(unclosed", "HealthKit:Redaction:SecretPatterns:0 is not a valid regular expression")]
    [InlineData("HealthKit:Redaction:SecretPatterns:0", "x*", "HealthKit:Redaction:SecretPatterns:0 matches the empty text")]
    [InlineData("HealthKit:Redaction:SecretKeyWords:0", "api key", "HealthKit:Redaction:SecretKeyWords:0 must be letters and digits only")]
    public async Task Redaction_InvalidSetting_StopsStartupNamingTheKey(string key, string value, string message)
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => TestHost.StartAsync(
            b => b.Services.AddHealthKit().AddCheck("a", () => HealthCheckResult.Healthy()),
            configuration: new Dictionary<string, string?> { [key] = value }));

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SanitizeData_GetterThatThrows_GivesAPlaceholderAndKeepsTheRest()
    {
        var data = ResultSanitizer.SanitizeData(new Dictionary<string, object> { ["state"] = new Throwing() });

        var state = Assert.IsType<KeyValuePair<string, object?>[]>(Assert.Single(data).Value);
        Assert.Equal(new KeyValuePair<string, object?>("Broken", "[unreadable: InvalidOperationException]"), state[0]);
        Assert.Equal(new KeyValuePair<string, object?>("Fine", 1), state[1]);
    }

    [Fact]
    public async Task SanitizeData_GetterThatHangs_GivesTimedOutOnceTheBudgetIsSpent()
    {
        var time = new FakeTimeProvider();
        using var release = new ManualResetEventSlim();
        var entered = new StrongBox<int>();
        var hanging = new Hanging(release, entered);
        var walk = Task.Run(() => ResultSanitizer.SanitizeData(
            new Dictionary<string, object> { ["first"] = hanging, ["second"] = hanging }, timeProvider: time), TestContext.Current.CancellationToken);
        try
        {
            await Eventually.True(() => Volatile.Read(ref entered.Value) > 0);
            Assert.False(walk.IsCompleted);

            // The walk starts its wait just after the getter starts; advancing before that would leave the wait unfired.
            for (var i = 0; i < 500 && !walk.IsCompleted; i++)
            {
                time.Advance(DataWalker.GetterBudget);
                await Task.Delay(10, TestContext.Current.CancellationToken);
            }

            var data = await walk.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

            Assert.Equal(DataWalker.TimedOut, Assert.IsType<KeyValuePair<string, object?>[]>(data[0].Value)[0].Value);
            Assert.Equal(DataWalker.TimedOut, Assert.IsType<KeyValuePair<string, object?>[]>(data[1].Value)[0].Value);
            Assert.Equal(1, Volatile.Read(ref entered.Value));
        }
        finally
        {
            release.Set();
        }
    }

    [Fact]
    public void SanitizeData_MoreValuesThanTheBudget_WithholdsTheRest()
    {
        var lists = Enumerable.Range(0, 20).ToDictionary(i => "list" + i, _ => (object)Enumerable.Range(0, 100).ToArray());

        var data = ResultSanitizer.SanitizeData(lists);

        // Each list counts once, then each of its items: nine lists and 90 items of the tenth fit in the budget.
        Assert.Equal(990, data.Where(e => e.Value is object?[]).SelectMany(e => (object?[])e.Value!).Count(v => v is int));
        Assert.Equal(10, ((object?[])data[9].Value!).Count(v => Equals(v, DataWalker.Withheld)));
        Assert.Equal(10, data.Count(e => Equals(e.Value, DataWalker.Withheld)));
    }

    private sealed class Throwing
    {
        public int Broken => throw new InvalidOperationException("Password=hk-getter-0401");

        public int Fine => 1;
    }

    private sealed class Hanging(ManualResetEventSlim release, StrongBox<int> entered)
    {
        public string Value
        {
            get
            {
                Interlocked.Increment(ref entered.Value);
                release.Wait(TimeSpan.FromSeconds(30));
                return "late";
            }
        }
    }
}
