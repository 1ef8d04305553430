using Microsoft.Playwright;

namespace HealthKit.Browser.Tests.Infrastructure;

/// <summary>
/// One headless Chromium for the test class: the system's own (Debian's <c>chromium</c> package), because Playwright
/// cannot download browsers of its own here. A missing browser fails every test that needs it; it never skips them.
/// </summary>
public sealed class ChromiumFixture : IAsyncLifetime
{
    /// <summary>Overrides where the browser is, for machines that keep it elsewhere.</summary>
    public const string PathVariable = "HEALTHKIT_TEST_CHROMIUM";

    private const string DefaultPath = "/usr/bin/chromium";

    private IPlaywright? _playwright;
    private IBrowser? _browser;

    public IBrowser Browser => _browser ?? throw new InvalidOperationException("The browser was not started.");

    public async ValueTask InitializeAsync()
    {
        var path = Environment.GetEnvironmentVariable(PathVariable) is { Length: > 0 } configured ? configured : DefaultPath;
        if (!File.Exists(path))
        {
            throw new InvalidOperationException(
                $"The browser tests need Chromium at {path}, and it is not there. Install the Debian package 'chromium' " +
                $"(.ci/run does this on a machine without it), or set {PathVariable} to a Chromium or Chrome executable.");
        }

        _playwright = await Playwright.CreateAsync();

        // Chromium's sandbox refuses to start as root, which is how containers and CI usually run.
        string[] args = Environment.UserName == "root" ? ["--no-sandbox"] : [];
        _browser = await _playwright.Chromium.LaunchAsync(new() { ExecutablePath = path, Args = args });
    }

    public async ValueTask DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }

        _playwright?.Dispose();
    }
}
