using HealthKit.Listeners;
using Microsoft.Extensions.DependencyInjection;

namespace HealthKit.Tests.Listeners;

/// <summary>
/// The listener and webhook settings at their bounds: each limit accepted at the limit and refused one tick beyond it,
/// each refusal with its own message naming the key, and the delivery-length check made only when every setting it
/// multiplies is valid.
/// </summary>
public sealed class ListenerOptionsValidatorTests
{
    private static readonly TimeSpan Tick = TimeSpan.FromTicks(1);
    private static readonly TimeSpan Max = TimeSpan.FromMinutes(5);

    public static TheoryData<TimeSpan, bool> PositiveUpToFiveMinutes => new()
    {
        { TimeSpan.Zero, false },
        { Tick, true },
        { Max, true },
        { Max + Tick, false },
    };

    [Theory]
    [MemberData(nameof(PositiveUpToFiveMinutes))]
    public void ListenerTimeout_PositiveAndAtMostFiveMinutes(TimeSpan value, bool valid)
    {
        var errors = Validate(registered: false, o => o.ListenerTimeout = value);

        Assert.Equal(
            valid ? [] : [$"HealthKit:ListenerTimeout ({value:c}) must be positive and at most 00:05:00."],
            errors);
    }

    [Theory]
    [MemberData(nameof(PositiveUpToFiveMinutes))]
    public void WebhookTimeout_PositiveAndAtMostFiveMinutes_AloneInItsMessage(TimeSpan value, bool valid)
    {
        // No retries, and a listener timeout long enough for any valid attempt: only the timeout's own bound decides.
        var errors = ValidateWebhook(listenerTimeout: Max, timeout: value, retries: 0, retryDelay: TimeSpan.Zero);

        Assert.Equal(
            valid ? [] : [$"HealthKit:Webhook:Timeout ({value:c}) must be positive and at most 00:05:00."],
            errors);
    }

    [Theory]
    [InlineData(-1, false)]
    [InlineData(0, true)]
    [InlineData(10, true)]
    [InlineData(11, false)]
    public void WebhookRetries_FromZeroToTen_AloneInItsMessage(int retries, bool valid)
    {
        var errors = ValidateWebhook(listenerTimeout: Max, timeout: TimeSpan.FromMilliseconds(1), retries, retryDelay: TimeSpan.Zero);

        Assert.Equal(valid ? [] : [$"HealthKit:Webhook:Retries ({retries}) must be between 0 and 10."], errors);
    }

    public static TheoryData<TimeSpan, bool> RetryDelays => new()
    {
        { -Tick, false },
        { TimeSpan.Zero, true },
        { Max, true },
        { Max + Tick, false },
    };

    [Theory]
    [MemberData(nameof(RetryDelays))]
    public void WebhookRetryDelay_FromZeroToFiveMinutes_AloneInItsMessage(TimeSpan value, bool valid)
    {
        // No retries, so the delay adds nothing to a delivery: only its own bound decides.
        var errors = ValidateWebhook(listenerTimeout: Max, timeout: Tick, retries: 0, retryDelay: value);

        Assert.Equal(
            valid ? [] : [$"HealthKit:Webhook:RetryDelay ({value:c}) must be between zero and 00:05:00."],
            errors);
    }

    /// <summary>
    /// One delivery lasts at most Timeout × (Retries + 1) + RetryDelay × Retries: 2 s × 3 + 1 s × 2 = 8 s here, which a
    /// listener timeout of 8 s allows and one of a tick less does not.
    /// </summary>
    [Theory]
    [InlineData(80_000_000L, true)]
    [InlineData(79_999_999L, false)]
    [InlineData(70_000_000L, false)]
    public void LongestDelivery_AtMostTheListenerTimeout(long listenerTimeoutTicks, bool valid)
    {
        var listenerTimeout = TimeSpan.FromTicks(listenerTimeoutTicks);
        var errors = ValidateWebhook(listenerTimeout, timeout: TimeSpan.FromSeconds(2), retries: 2, retryDelay: TimeSpan.FromSeconds(1));

        Assert.Equal(
            valid
                ? []
                : [$"HealthKit:Webhook:Timeout, Retries and RetryDelay let one delivery take up to 00:00:08, longer than HealthKit:ListenerTimeout ({listenerTimeout:c}), which would cut the retries short. Lower them, or raise HealthKit:ListenerTimeout."],
            errors);
    }

    /// <summary>
    /// With any one of the four settings invalid, the delivery length is not computed: the invalid setting's message is
    /// the only one, although the others would make a delivery far longer than the listener timeout.
    /// </summary>
    [Theory]
    [InlineData("ListenerTimeout")]
    [InlineData("Timeout")]
    [InlineData("Retries")]
    [InlineData("RetryDelay")]
    public void OneSettingInvalid_OnlyItsMessage_NoDeliveryLengthMessage(string invalid)
    {
        var errors = ValidateWebhook(
            listenerTimeout: invalid == "ListenerTimeout" ? TimeSpan.Zero : TimeSpan.FromSeconds(1),
            timeout: invalid == "Timeout" ? Max + Tick : TimeSpan.FromMinutes(4),
            retries: invalid == "Retries" ? 11 : 10,
            retryDelay: invalid == "RetryDelay" ? -Tick : TimeSpan.FromMinutes(4));

        var error = Assert.Single(errors);
        Assert.StartsWith(invalid == "ListenerTimeout" ? "HealthKit:ListenerTimeout (" : $"HealthKit:Webhook:{invalid} (", error, StringComparison.Ordinal);
    }

    [Fact]
    public void ValidSettings_Succeed()
    {
        var validator = new ListenerOptionsValidator(new Registrations(registered: true));
        var options = new HealthKitOptions();
        options.Webhook.Url = new Uri("https://hooks.example.com/health");

        Assert.True(validator.Validate(null, options).Succeeded);
    }

    /// <summary>The messages for a registered webhook with a valid URL and these four settings.</summary>
    private static string[] ValidateWebhook(TimeSpan listenerTimeout, TimeSpan timeout, int retries, TimeSpan retryDelay) =>
        Validate(registered: true, o =>
        {
            o.ListenerTimeout = listenerTimeout;
            o.Webhook.Url = new Uri("https://hooks.example.com/health");
            o.Webhook.Timeout = timeout;
            o.Webhook.Retries = retries;
            o.Webhook.RetryDelay = retryDelay;
        });

    private static string[] Validate(bool registered, Action<HealthKitOptions> configure)
    {
        var options = new HealthKitOptions();
        configure(options);
        var result = new ListenerOptionsValidator(new Registrations(registered)).Validate(null, options);
        return result.Failed ? [.. result.Failures!] : [];
    }

    /// <summary>Says whether the webhook listener is registered, as the container would.</summary>
    private sealed class Registrations(bool registered) : IServiceProviderIsService
    {
        public bool IsService(Type serviceType) => registered && serviceType == typeof(WebhookListener);
    }
}
