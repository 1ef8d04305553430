using HealthKit.Internal;
using Microsoft.Extensions.Configuration;

namespace HealthKit.Tests.Configuration;

public sealed class ConfigurationWalkerTests
{
    private static readonly CheckConfigurationDescriptor[] BuiltIn =
    [
        new("database", typeof(DatabaseCheckOptions), []),
        new("disk", typeof(DiskSpaceCheckOptions), []),
        new("latency", typeof(ResponseLatencyCheckOptions), []),
        new("memory", typeof(MemoryCheckOptions), []),
        new("errors", typeof(ErrorRateCheckOptions), []),
    ];

    [Theory]
    [InlineData("HealthKit:Checks:database:Timout", "Timeout")]
    [InlineData("HealthKit:Checks:database:DegradedTreshold", "DegradedThreshold")]
    [InlineData("HealthKit:Checks:database:Qurey", "Query")]
    [InlineData("HealthKit:Endpoints:Ready:Deadlin", "Deadline")]
    [InlineData("HealthKit:Defaults:CacheTTL2", "CacheTtl")]
    [InlineData("HealthKit:Checks:disk:Degraded:MinimumFreePrecent", "MinimumFreePercent")]
    [InlineData("HealthKit:Lifecycle:DrainDelays", "DrainDelay")]
    [InlineData("HealthKit:PathPrefx", "PathPrefix")]
    public void ValidateRoot_MisspeltKey_NamesItAndTheClosestKey(string key, string closest)
    {
        var error = Assert.Single(Walk(new() { [key] = "1" }));

        Assert.StartsWith($"{key} is not a HealthKit setting; did you mean '{closest}'", error, StringComparison.Ordinal);
    }

    [Fact]
    public void ValidateRoot_UnknownKeyFarFromEveryKnownOne_ListsTheKnownKeys()
    {
        var error = Assert.Single(Walk(new() { ["HealthKit:Checks:self:Colour"] = "blue" }));

        Assert.DoesNotContain("did you mean", error, StringComparison.Ordinal);
        Assert.Contains("The keys under HealthKit:Checks:self are: CacheTtl, Critical, Enabled, FailureCacheTtl, MaxAge, Mode, Period, SlowThreshold, Timeout, UnhealthyAfterDuration, UnhealthyAfterFailures.", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("HealthKit:Checks:postgres:Timeout", "0.7s", "00:00:00.700")]
    [InlineData("HealthKit:Checks:self:Timeout", "abc", "00:00:00.700")]
    [InlineData("HealthKit:Defaults:UnhealthyAfterFailures", "three", "whole number")]
    [InlineData("HealthKit:Checks:disk:Degraded:MinimumFreePercent", "ten", "number such as 12.5")]
    [InlineData("HealthKit:Checks:database:FailureStatus", "Broken", "one of Unhealthy, Degraded, Healthy")]
    [InlineData("HealthKit:Checks:database:Mode", "7", "one of OnDemand, Background")]
    [InlineData("HealthKit:Endpoints:Ready:DetailLevel", "Everything", "one of Status, Components, Full")]
    [InlineData("HealthKit:Endpoints:Live:Enabled", "yes", "true or false")]
    [InlineData("HealthKit:Endpoints:Live:UnhealthyStatusCode", "503.5", "whole number")]
    public void ValidateRoot_ValueThatDoesNotConvert_NamesKeyAndExpectedForm(string key, string value, string form)
    {
        var error = Assert.Single(Walk(new() { [key] = value }));

        Assert.StartsWith($"{key} ('{value}') is not valid; write ", error, StringComparison.Ordinal);
        Assert.Contains(form, error, StringComparison.Ordinal);
    }

    [Fact]
    public void ValidateRoot_BadValueBesideAnotherKey_ReportsTheBadValue()
    {
        // The binder drops the whole entry when one value fails, so the valid damping below would silently vanish.
        var errors = Walk(new()
        {
            ["HealthKit:Checks:postgres:UnhealthyAfterFailures"] = "3",
            ["HealthKit:Checks:postgres:Timeout"] = "0.7s",
        });

        Assert.Equal("HealthKit:Checks:postgres:Timeout ('0.7s') is not valid; write a duration such as 00:00:00.700 (hh:mm:ss.fff, or d.hh:mm:ss for days).", Assert.Single(errors));
    }

    [Fact]
    public void ValidateRoot_CheckOptionsKeys_AreKnownOnlyUnderTheirCheck()
    {
        Assert.Empty(Walk(new()
        {
            ["HealthKit:Checks:database:Query"] = "SELECT 2",
            ["HealthKit:Checks:database:Timeout"] = "00:00:00.300",
            ["HealthKit:Checks:disk:Paths:0"] = "/data",
            ["HealthKit:Checks:disk:Tags:0"] = "storage",
            ["HealthKit:Checks:latency:Unhealthy:P50"] = "00:00:02",
        }));

        var error = Assert.Single(Walk(new() { ["HealthKit:Checks:self:Query"] = "SELECT 2" }));
        Assert.StartsWith("HealthKit:Checks:self:Query is not a HealthKit setting", error, StringComparison.Ordinal);
    }

    [Fact]
    public void ValidateRoot_OptionsKeyUnderMisspeltCheckName_SuggestsTheCheck()
    {
        var error = Assert.Single(Walk(new() { ["HealthKit:Checks:dsik:Paths:0"] = "/data" }));

        Assert.Contains("did you mean HealthKit:Checks:disk:Paths?", error, StringComparison.Ordinal);
    }

    [Fact]
    public void ValidateRoot_AllowedKey_IsLeftAloneWithEverythingBelowIt()
    {
        CheckConfigurationDescriptor[] descriptors = [.. BuiltIn, new("redis", null, ["Connection"])];
        var settings = new Dictionary<string, string?>
        {
            ["HealthKit:Checks:redis:Connection"] = "localhost:6379",
            ["HealthKit:Checks:redis:Connection:Retries"] = "x",
            ["HealthKit:Checks:redis:Timeout"] = "00:00:00.300",
        };

        Assert.Empty(Walk(settings, descriptors));
        Assert.Single(Walk(new() { ["HealthKit:Checks:redis:Conection"] = "localhost" }, descriptors));
        Assert.Single(Walk(new() { ["HealthKit:Checks:other:Connection"] = "localhost" }, descriptors));
    }

    [Fact]
    public void ValidateRoot_SectionAnotherPackageBinds_IsKnownOnlyWhenRegistered()
    {
        var section = new SectionConfigurationDescriptor("Extra", typeof(HealthKitLifecycleOptions));
        var settings = new Dictionary<string, string?> { ["HealthKit:Extra:DrainDelay"] = "00:00:01", ["HealthKit:Extra:Nonsense"] = "x" };

        // The root leaves the section to the package that binds it, which checks it when it binds.
        Assert.Empty(ConfigurationWalker.ValidateRoot(Configuration(settings), BuiltIn, [section]));
        Assert.StartsWith("HealthKit:Extra is not a HealthKit setting", Assert.Single(Walk(settings)), StringComparison.Ordinal);
    }

    [Fact]
    public void ValidateSection_UnknownKeyAndBadValue_NamesEachWithTheSectionPath()
    {
        var section = new SectionConfigurationDescriptor("Extra", typeof(HealthKitLifecycleOptions));
        var settings = new Dictionary<string, string?> { ["HealthKit:Extra:DrainDelays"] = "00:00:01", ["HealthKit:Extra:ReadinessFailDelay"] = "soon", ["HealthKit:Other"] = "x" };

        var errors = ConfigurationWalker.ValidateSection(Configuration(settings), section);

        Assert.Equal(2, errors.Count);
        Assert.Contains(errors, error => error.StartsWith("HealthKit:Extra:DrainDelays is not a HealthKit setting; did you mean 'DrainDelay'", StringComparison.Ordinal));
        Assert.Contains(errors, error => error.StartsWith("HealthKit:Extra:ReadinessFailDelay ('soon') is not valid", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("HealthKit:Checks:disk:Paths", "/data", "HealthKit:Checks:disk:Paths is a list, not a value; set its items as HealthKit:Checks:disk:Paths:0")]
    [InlineData("HealthKit:Checks:disk:Paths:first", "/data", "HealthKit:Checks:disk:Paths:first is not an item of the list HealthKit:Checks:disk:Paths")]
    [InlineData("HealthKit:Checks:disk:Degraded", "10", "HealthKit:Checks:disk:Degraded is a section, not a value; set its keys instead: MinimumFreeBytes, MinimumFreePercent.")]
    [InlineData("HealthKit:Checks:database:Timeout:Seconds", "1", "HealthKit:Checks:database:Timeout takes a single value")]
    [InlineData("HealthKit:Checks", "disk", "HealthKit:Checks is a section, not a value")]
    [InlineData("HealthKit:Checks:database:DataSource", "Host=db", "HealthKit:Checks:database:DataSource is not a HealthKit setting; did you mean 'DataSourceKey'")]
    public void ValidateRoot_KeyOfTheWrongShape_SaysWhatShapeItTakes(string key, string value, string expected)
    {
        var error = Assert.Single(Walk(new() { [key] = value }));

        Assert.StartsWith(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public void ValidateRoot_EmptyValueOfNullableSetting_MeansNotSet()
    {
        Assert.Empty(Walk(new()
        {
            ["HealthKit:Defaults:Period"] = string.Empty,
            ["HealthKit:Checks:disk:Degraded:MinimumFreeBytes"] = string.Empty,
            ["HealthKit:Checks:disk:Paths"] = string.Empty,
        }));
    }

    [Fact]
    public void ValidateRoot_KeysInAnyCase_AreKnown()
    {
        Assert.Empty(Walk(new()
        {
            ["healthkit:checks:DATABASE:timeout"] = "00:00:00.300",
            ["HEALTHKIT:endpoints:ready:deadline"] = "00:00:00.900",
        }));
    }

    [Fact]
    public void ValidateRoot_SampleAppSettings_HasNoErrors()
    {
        // The sample's appsettings.json is copied to the output folder; it shows every setting in place.
        var configuration = new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"))
            .Build();
        Assert.NotEmpty(configuration.GetSection("HealthKit:Checks").GetChildren());

        Assert.Empty(ConfigurationWalker.ValidateRoot(configuration, BuiltIn));
    }

    [Fact]
    public void ValidateCheck_LooksOnlyAtThatCheck()
    {
        var configuration = Configuration(new()
        {
            ["HealthKit:Checks:disk:Pahts:0"] = "/data",
            ["HealthKit:Checks:database:Qurey"] = "SELECT 2",
        });

        var error = Assert.Single(ConfigurationWalker.ValidateCheck(configuration, "disk", BuiltIn));
        Assert.StartsWith("HealthKit:Checks:disk:Pahts is not a HealthKit setting; did you mean 'Paths'", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Timout", "Timeout")]
    [InlineData("qurey", "Query")]
    [InlineData("Peroid", "Period")]
    [InlineData("Colour", null)]
    [InlineData("T", null)]
    public void Closest_ReturnsOnlyANearCandidate(string key, string? expected)
    {
        Assert.Equal(expected, ConfigurationWalker.Closest(key, ["Timeout", "Query", "Period", "Mode"]));
    }

    private static IReadOnlyList<string> Walk(Dictionary<string, string?> settings, CheckConfigurationDescriptor[]? descriptors = null) =>
        ConfigurationWalker.ValidateRoot(Configuration(settings), descriptors ?? BuiltIn);

    private static IConfiguration Configuration(Dictionary<string, string?> settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
}
