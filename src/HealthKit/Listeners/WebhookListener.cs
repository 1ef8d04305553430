using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using HealthKit.Internal;
using HealthKit.Redaction;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace HealthKit.Listeners;

/// <summary>
/// Posts each status change as JSON to <see cref="HealthKitWebhookOptions.Url"/>, each attempt bounded by its timeout,
/// repeating an attempt that timed out, could not connect, or was answered 408, 429 or 5xx. A redirect is a failed
/// delivery, never followed.
/// </summary>
/// <remarks>
/// A delivery that never succeeds is logged once, with the last reason and without the URL, which often carries a token.
/// </remarks>
internal sealed class WebhookListener : IHealthStatusListener
{
    /// <summary>The name of the <see cref="HttpClient"/> it uses; configure it with <c>AddHttpClient(name)</c>.</summary>
    internal const string ClientName = "HealthKit.Webhook";

    // Stryker disable once String : static initialiser, runs once per test process; WebhookListenerTests.Webhook_ServerFailsOnce_RetriesAndPostsEachChangeAsJson fails when it changes
    private static readonly MediaTypeHeaderValue Json = new("application/json") { CharSet = "utf-8" };

    private readonly IHttpClientFactory _clients;
    private readonly IOptions<HealthKitOptions> _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    public WebhookListener(IHttpClientFactory clients, IOptions<HealthKitOptions> options, TimeProvider time, ILogger<WebhookListener> logger)
    {
        _clients = clients;
        _options = options;
        _time = time;
        _logger = logger;
    }

    public async Task OnStatusChangedAsync(HealthStatusChange change, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(change);
        var webhook = _options.Value.Webhook;
        var url = webhook.Url ?? throw new InvalidOperationException("HealthKit:Webhook:Url is not set.");
        var body = Serialize(change);
        var client = _clients.CreateClient(ClientName);
        for (var attempt = 1; ; attempt++)
        {
            string reason;
            using (var attemptTimeout = new CancellationTokenSource(webhook.Timeout, _time))
            using (var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, attemptTimeout.Token))
            {
                try
                {
                    using var content = new ByteArrayContent(body);
                    content.Headers.ContentType = Json;
                    using var response = await client.PostAsync(url, content, linked.Token).ConfigureAwait(false);
                    if (Redirected(url, response) is { } redirect)
                    {
                        // A redirect is never followed: a 301 or 302 turns the POST into a body-less GET, and the receiver
                        // would choose the host. Not transient, so not retried.
                        Log.WebhookFailed(_logger, change.Kind, change.Name, change.Status, attempt, redirect);
                        return;
                    }

                    if (response.IsSuccessStatusCode)
                    {
                        return;
                    }

                    reason = string.Create(CultureInfo.InvariantCulture, $"answered {(int)response.StatusCode}");
                    if (!IsTransient(response.StatusCode))
                    {
                        Log.WebhookFailed(_logger, change.Kind, change.Name, change.Status, attempt, reason);
                        return;
                    }
                }
                catch (OperationCanceledException) when (attemptTimeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
                {
                    reason = string.Create(CultureInfo.InvariantCulture, $"no answer within {webhook.Timeout.TotalMilliseconds:0} ms (HealthKit:Webhook:Timeout)");
                }
                catch (HttpRequestException ex)
                {
                    // The message names the host and sometimes the URL; the error kind says enough.
                    reason = "request failed (" + ex.HttpRequestError + ")";
                }
            }

            if (attempt > webhook.Retries)
            {
                Log.WebhookFailed(_logger, change.Kind, change.Name, change.Status, attempt, reason);
                return;
            }

            await Task.Delay(webhook.RetryDelay, _time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Why <paramref name="response"/> is a redirect rather than the receiver's answer, or null when it is the answer: a
    /// 3xx, or a response to another URI than <paramref name="sent"/>, which only a handler that follows redirects gives.
    /// </summary>
    internal static string? Redirected(Uri sent, HttpResponseMessage response)
    {
        var status = (int)response.StatusCode;
        if (status is >= 300 and < 400)
        {
            var location = response.Headers.Location is { } target ? " to " + DescribeLocation(sent, target) : " without a location";
            return string.Create(CultureInfo.InvariantCulture, $"answered {status}, a redirect{location}, which is not followed");
        }

        if (response.RequestMessage?.RequestUri is { } answered && answered != sent)
        {
            return string.Create(
                CultureInfo.InvariantCulture,
                $"answered {status} from {DescribeLocation(sent, answered)} after the HttpClient's handler followed a redirect; redirects are not followed");
        }

        return null;
    }

    /// <summary>
    /// Where a redirect points, as far as a log line may say: the scheme, host and port, and the path and query only as
    /// <see cref="Redactor.Mask"/>, since the webhook's own URL shows that they carry tokens.
    /// </summary>
    private static string DescribeLocation(Uri sent, Uri location)
    {
        // Stryker disable once Block : a fallback for a location that cannot be joined to the absolute URL sent; no test has found one
        if (!location.IsAbsoluteUri && !Uri.TryCreate(sent, location, out location!))
        {
            return Redactor.Mask;
        }

        var origin = Redactor.RedactText(location.GetLeftPart(UriPartial.Authority));
        return location.PathAndQuery == "/" ? origin : origin + "/" + Redactor.Mask;
    }

    internal static bool IsTransient(HttpStatusCode status) =>
        status is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests || (int)status >= 500;

    /// <summary>
    /// <c>{"kind":"check","name":…,"previousStatus":…,"status":…,"description":…,"changedAt":…}</c>, statuses as
    /// <see cref="HealthStatus"/> names, <c>previousStatus</c> null for a first result.
    /// </summary>
    internal static byte[] Serialize(HealthStatusChange change)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("kind", change.Kind == HealthStatusChangeKind.Check ? "check" : "endpoint");
            writer.WriteString("name", change.Name);
            if (change.PreviousStatus is { } previous)
            {
                writer.WriteString("previousStatus", Log.StatusNames[(int)previous]);
            }
            else
            {
                writer.WriteNull("previousStatus");
            }

            writer.WriteString("status", Log.StatusNames[(int)change.Status]);
            writer.WriteString("description", change.Description);
            writer.WriteString("changedAt", change.ChangedAt);
            writer.WriteEndObject();
        }

        return buffer.ToArray();
    }
}
