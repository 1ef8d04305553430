namespace HealthKit;

/// <summary>
/// Options for the webhook listener that <see cref="HealthStatusListenerHealthChecksBuilderExtensions.AddWebhookListener(Microsoft.Extensions.DependencyInjection.IHealthChecksBuilder)"/>
/// registers, bound from <c>HealthKit:Webhook</c>.
/// </summary>
/// <remarks>
/// One delivery may take up to (<see cref="Retries"/> + 1) × <see cref="Timeout"/> + <see cref="Retries"/> ×
/// <see cref="RetryDelay"/>; that must fit in <see cref="HealthKitOptions.ListenerTimeout"/>, or the application stops at
/// startup.
/// </remarks>
public sealed class HealthKitWebhookOptions
{
    /// <summary>Gets or sets the URL that each status change is posted to, as JSON.</summary>
    /// <value>
    /// No default: it must be an absolute <c>http</c> or <c>https</c> URL once the webhook listener is registered. It is
    /// never logged, as webhook URLs often carry a token.
    /// </value>
    public Uri? Url { get; set; }

    /// <summary>Gets or sets how long one attempt may take, response included.</summary>
    /// <value>The default is 5 seconds. It must be positive and at most 5 minutes.</value>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Gets or sets how many times a failed attempt is repeated: one that timed out, could not connect, or was answered
    /// 408, 429 or 5xx. Any other answer is final.
    /// </summary>
    /// <value>The default is 2. It must be between 0 and 10.</value>
    public int Retries { get; set; } = 2;

    /// <summary>Gets or sets the wait between attempts.</summary>
    /// <value>The default is 1 second. It must be between zero and 5 minutes.</value>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(1);
}
