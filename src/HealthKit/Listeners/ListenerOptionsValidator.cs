using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace HealthKit.Listeners;

/// <summary>
/// Validates <see cref="HealthKitOptions.ListenerTimeout"/> and <see cref="HealthKitOptions.Webhook"/>; every message
/// names the configuration key to fix, and none repeats the webhook URL, which may carry a token.
/// </summary>
internal sealed class ListenerOptionsValidator(IServiceProviderIsService services) : IValidateOptions<HealthKitOptions>
{
    internal static readonly TimeSpan MaxTimeout = TimeSpan.FromMinutes(5);
    internal const int MaxRetries = 10;

    private const string Root = HealthKitOptions.SectionName;
    private const string Webhook = Root + ":" + nameof(HealthKitOptions.Webhook);

    public ValidateOptionsResult Validate(string? name, HealthKitOptions options)
    {
        var errors = new List<string>();
        var listenerTimeout = options.ListenerTimeout;
        var listenerTimeoutValid = listenerTimeout > TimeSpan.Zero && listenerTimeout <= MaxTimeout;
        if (!listenerTimeoutValid)
        {
            errors.Add($"{Root}:{nameof(HealthKitOptions.ListenerTimeout)} ({Show(listenerTimeout)}) must be positive and at most {Show(MaxTimeout)}.");
        }

        var webhook = options.Webhook;
        var registered = services.IsService(typeof(WebhookListener));
        if (!registered)
        {
            if (webhook.Url is not null)
            {
                errors.Add($"{Webhook}:{nameof(HealthKitWebhookOptions.Url)} is set, but no webhook listener is registered: call AddWebhookListener() on the builder that AddHealthKit returns, or remove the key.");
            }

            return Result(errors);
        }

        if (webhook.Url is null)
        {
            errors.Add($"{Webhook}:{nameof(HealthKitWebhookOptions.Url)} is required: AddWebhookListener() posts each status change to it. Set it to an absolute http or https URL.");
        }
        else if (!webhook.Url.IsAbsoluteUri || (webhook.Url.Scheme != Uri.UriSchemeHttp && webhook.Url.Scheme != Uri.UriSchemeHttps))
        {
            errors.Add($"{Webhook}:{nameof(HealthKitWebhookOptions.Url)} must be an absolute http or https URL, such as https://hooks.example.com/health.");
        }

        var timeoutValid = webhook.Timeout > TimeSpan.Zero && webhook.Timeout <= MaxTimeout;
        if (!timeoutValid)
        {
            errors.Add($"{Webhook}:{nameof(HealthKitWebhookOptions.Timeout)} ({Show(webhook.Timeout)}) must be positive and at most {Show(MaxTimeout)}.");
        }

        var retriesValid = webhook.Retries is >= 0 and <= MaxRetries;
        if (!retriesValid)
        {
            errors.Add($"{Webhook}:{nameof(HealthKitWebhookOptions.Retries)} ({webhook.Retries}) must be between 0 and {MaxRetries}.");
        }

        var delayValid = webhook.RetryDelay >= TimeSpan.Zero && webhook.RetryDelay <= MaxTimeout;
        if (!delayValid)
        {
            errors.Add($"{Webhook}:{nameof(HealthKitWebhookOptions.RetryDelay)} ({Show(webhook.RetryDelay)}) must be between zero and {Show(MaxTimeout)}.");
        }

        if (listenerTimeoutValid && timeoutValid && retriesValid && delayValid)
        {
            var longest = (webhook.Timeout * (webhook.Retries + 1)) + (webhook.RetryDelay * webhook.Retries);
            if (longest > listenerTimeout)
            {
                errors.Add($"{Webhook}:{nameof(HealthKitWebhookOptions.Timeout)}, {nameof(HealthKitWebhookOptions.Retries)} and {nameof(HealthKitWebhookOptions.RetryDelay)} let one delivery take up to {Show(longest)}, longer than {Root}:{nameof(HealthKitOptions.ListenerTimeout)} ({Show(listenerTimeout)}), which would cut the retries short. Lower them, or raise {Root}:{nameof(HealthKitOptions.ListenerTimeout)}.");
            }
        }

        return Result(errors);
    }

    private static ValidateOptionsResult Result(List<string> errors) =>
        errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);

    // Stryker disable once String : TimeSpan's empty format is its "c" format
    private static string Show(TimeSpan value) => value.ToString("c", CultureInfo.InvariantCulture);
}
