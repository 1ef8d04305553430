using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace HealthKit.Tests.Infrastructure;

/// <summary>
/// The sample application in process, on a TestServer, with its SQLite database in a temporary file and PostgreSQL
/// checked only when <c>postgres</c> is given (even where the environment sets <c>ConnectionStrings__Postgres</c>).
/// </summary>
internal sealed class SampleFactory : IDisposable
{
    private readonly SampleDatabase _database = new();
    private readonly WebApplicationFactory<Program> _factory;

    public SampleFactory(string? environment = null, string postgres = "")
    {
        _factory = new WebApplicationFactory<Program>().WithWebHostBuilder(builder =>
        {
            if (environment is not null)
            {
                builder.UseEnvironment(environment);
            }

            builder.UseSetting("ConnectionStrings:Sqlite", _database.ConnectionString);
            builder.UseSetting("ConnectionStrings:Postgres", postgres);
        });
    }

    public IServiceProvider Services => _factory.Services;

    public HttpClient CreateClient() => _factory.CreateClient();

    /// <summary>The sample with further settings or services; the caller disposes it, this factory keeps the database.</summary>
    public WebApplicationFactory<Program> WithWebHostBuilder(Action<IWebHostBuilder> configure) =>
        _factory.WithWebHostBuilder(configure);

    public void Dispose()
    {
        _factory.Dispose();
        _database.Dispose();
    }
}
