using System.Globalization;
using HealthKit.Engine;
using HealthKit.Redaction;

namespace HealthKit.Tests.Redaction;

public sealed class RedactorTests
{
    public static TheoryData<string> Cases => RedactionCases.Keys;

    [Theory]
    [MemberData(nameof(Cases))]
    public void RedactText_TableCase_RendersExpectedText(string key)
    {
        var c = RedactionCases.Get(key);

        var text = Redactor.RedactText(c.Text);

        Assert.Equal(c.ExpectedText, text);
        Assert.All(c.Secrets, s => Assert.DoesNotContain(s, text, StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void SanitizeData_TableCase_RendersExpectedKeyAndValue_AtEveryDepth(string key)
    {
        var c = RedactionCases.Get(key);
        var data = new Dictionary<string, object>
        {
            [c.Key] = c.Value,
            ["nested"] = new Dictionary<string, object> { ["deeper"] = new Dictionary<string, object> { [c.Key] = c.Value } },
        };

        var sanitized = ResultSanitizer.SanitizeData(data);

        Assert.Equal(c.RenderedKey, sanitized[0].Key);
        Assert.Equal(c.ExpectedValue, Render(sanitized[0].Value));
        var nested = Assert.IsType<KeyValuePair<string, object?>[]>(sanitized[1].Value);
        var deeper = Assert.Single(Assert.IsType<KeyValuePair<string, object?>[]>(Assert.Single(nested).Value));
        Assert.Equal(c.RenderedKey, deeper.Key);
        Assert.Equal(c.ExpectedValue, Render(deeper.Value));
    }

    [Fact]
    public void SanitizeData_SecretKeyOverStructuredValue_MasksWholeValue()
    {
        var sanitized = ResultSanitizer.SanitizeData(new Dictionary<string, object>
        {
            ["credentials"] = new Dictionary<string, object> { ["user"] = "app", ["pass"] = "hk-struct" },
            ["tokens"] = new[] { "hk-list-1", "hk-list-2" },
        });

        Assert.Equal(Redactor.Mask, sanitized[0].Value);
        Assert.Equal(Redactor.Mask, sanitized[1].Value);
    }

    [Fact]
    public void SanitizeData_PairsThatAreNotADictionary_AreTreatedAsOne()
    {
        IEnumerable<KeyValuePair<string, object>> pairs = new Dictionary<string, object> { ["password"] = "hk-pairs", ["n"] = 1 }.Where(_ => true);

        var sanitized = ResultSanitizer.SanitizeData(new Dictionary<string, object> { ["options"] = pairs });

        var entries = Assert.IsType<KeyValuePair<string, object?>[]>(sanitized[0].Value);
        Assert.Equal(new KeyValuePair<string, object?>("password", Redactor.Mask), entries[0]);
        Assert.Equal(new KeyValuePair<string, object?>("n", 1), entries[1]);
    }

    [Fact]
    public void SanitizeData_KeysEqualOnceRedacted_StayDistinct()
    {
        var sanitized = ResultSanitizer.SanitizeData(new Dictionary<string, object>
        {
            ["Host=a;Password=hk-1"] = 1,
            ["Host=a;Password=hk-2"] = 2,
        });

        Assert.Equal(["Host=a;Password=******", "Host=a;Password=****** (2)"], sanitized.Select(e => e.Key));
    }

    [Theory]
    [InlineData("password", true)]
    [InlineData("DB_PASSWORD", true)]
    [InlineData("client_secret", true)]
    [InlineData("apiKey", true)]
    [InlineData("APIKey", true)]
    [InlineData("APIKEY", true)]
    [InlineData("AccountKey", true)]
    [InlineData("AWS_SECRET_ACCESS_KEY", true)]
    [InlineData("x-api-key", true)]
    [InlineData("Authorization", true)]
    [InlineData("Proxy-Authorization", true)]
    [InlineData("access_token", true)]
    [InlineData("credentials", true)]
    [InlineData("VCAP_SERVICES", true)]
    [InlineData("key", true)]
    [InlineData("sig", true)]
    [InlineData("dbpassword", true)]
    [InlineData("privateKey1", true)]
    [InlineData("passphrase", true)]
    [InlineData("signature", true)]
    [InlineData("credential", true)]
    [InlineData("secrets", true)]
    [InlineData("passwords", true)]
    [InlineData("tokens", true)]
    [InlineData("monkey", true)]
    [InlineData("monkeyCount", false)]
    [InlineData("keyboard", false)]
    [InlineData("keyspace", false)]
    [InlineData("tokenizerVersion", false)]
    [InlineData("tokenEndpoint", false)]
    [InlineData("passwordPolicy", false)]
    [InlineData("SharedAccessKeyName", false)]
    [InlineData("connectionString", false)]
    [InlineData("/var/keys", false)]
    [InlineData(@"C:\keys\secret", false)]
    [InlineData("", false)]
    [InlineData("2", false)]
    public void IsSecretKey_Key_MatchesLastWordOnly(string key, bool expected) =>
        Assert.Equal(expected, Redactor.IsSecretKey(key));

    [Theory]
    [InlineData("Host=db;Password=a;b=c", "Host=db;Password=******;b=c")]
    [InlineData("Password=a;b=c", "Password=******")]
    [InlineData("Host=db; password = spaced out ; next=1", "Host=db; password = ******; next=1")]
    [InlineData("Host=db;Password=;Port=5432", "Host=db;Password=;Port=5432")]
    [InlineData("Password=;Host=db", "Password=******")]
    [InlineData("Password='a;b'", "Password='******'")]
    [InlineData("Password=\"a\"\"b;c\"", "Password=\"******\"")]
    [InlineData("line one password=x\nline two", "line one password=******\nline two")]
    [InlineData("{\"token\": null, \"n\": 1}", "{\"token\": ******, \"n\": 1}")]
    [InlineData("mounted /var/keys:/data", "mounted /var/keys:/data")]
    [InlineData("at 12:30:00 key: users:42", "at 12:30:00 key: ******")]
    [InlineData("Basic authentication failed", "Basic authentication failed")]
    [InlineData("bearer abc.def", "bearer ******")]
    [InlineData("https://user@host/x", "https://user@host/x")]
    [InlineData("redis://:hk@cache:6379", "redis://:******@cache:6379")]
    [InlineData("see http://a:b@c and ftp://d:e@f", "see http://a:******@c and ftp://d:******@f")]
    [InlineData("Password=******", "Password=******")]
    public void RedactText_Edge_IsExact(string text, string expected) =>
        Assert.Equal(expected, Redactor.RedactText(text));

    [Fact]
    public void RedactText_AlreadyRedacted_IsUnchanged()
    {
        foreach (var c in RedactionCases.All)
        {
            Assert.Equal(c.ExpectedText, Redactor.RedactText(c.ExpectedText));
        }
    }

    [Fact]
    public void RedactText_NothingToRedact_ReturnsSameInstance()
    {
        var text = "round trip took 3 ms: server 10.0.0.1:5432, https://db.internal/x";

        Assert.Same(text, Redactor.RedactText(text));
    }

    public static TheoryData<string, string> Hostile => new()
    {
        { new string('a', 100_000) + "=", "a=" },
        { string.Concat(Enumerable.Repeat("password=", 12_000)), "password=" },
        { string.Concat(Enumerable.Repeat(":", 100_000)), ":" },
        { string.Concat(Enumerable.Repeat("x://", 25_000)), "x://" },
        { "s://u:" + new string('@', 100_000), "@" },
        { string.Concat(Enumerable.Repeat("Bearer ", 15_000)), "Bearer " },
        { "\"" + new string(' ', 100_000) + "\":", "\"" },
        { "Password=\"" + new string('\\', 100_000), "\\" },
        { string.Concat(Enumerable.Repeat("\"token\":\"", 10_000)), "\"token\":\"" },
    };

    [Theory]
    [MemberData(nameof(Hostile))]
    public void RedactText_Hostile100KB_CompletesAndStaysBounded(string text, string unit)
    {
        var redacted = Redactor.RedactText(text);

        // Masking never makes text longer than one mask per repeated unit.
        Assert.True(redacted.Length <= text.Length + (text.Length / unit.Length * Redactor.Mask.Length), $"{redacted.Length} > bound");
    }

    [Fact]
    public void RedactText_HostilePasswordRun_RedactsEveryValue()
    {
        var text = "Host=db;" + string.Concat(Enumerable.Repeat("Password=hk-run;", 10_000));

        var redacted = Redactor.RedactText(text);

        Assert.DoesNotContain("hk-run", redacted, StringComparison.Ordinal);
        Assert.Equal("Host=db;" + string.Concat(Enumerable.Repeat("Password=******;", 10_000)), redacted);
    }

    [Fact]
    public void ForLogging_NoSecrets_ToStringMatchesOriginal()
    {
        var original = Capture(() => throw new InvalidOperationException("outer", Capture(() => throw new FormatException("inner"))));

        Assert.Equal(original.ToString(), Redactor.ForLogging(original).ToString());
    }

    [Fact]
    public void ForLogging_Aggregate_ToStringMatchesOriginal()
    {
        var original = Capture(() => throw new AggregateException(
            "several",
            Capture(() => throw new FormatException("first")),
            Capture(() => throw new ArgumentException("second", Capture(() => throw new TimeoutException("third"))))));

        Assert.Equal(original.ToString(), Redactor.ForLogging(original).ToString());
    }

    [Fact]
    public void ForLogging_NeverThrown_ToStringMatchesOriginal()
    {
        var original = new InvalidOperationException("plain");

        Assert.Equal(original.ToString(), Redactor.ForLogging(original).ToString());
    }

    [Fact]
    public void ForLogging_Secrets_RedactsEveryMessage_KeepsTypesAndStacks()
    {
        const string Secret = "Host=db;Password=hk-log-0001";
        var original = Capture(() => throw new AggregateException(
            Capture(() => throw new InvalidOperationException(Secret, Capture(() => throw new FormatException(Secret)))),
            Capture(() => throw new ArgumentException(Secret))));

        var logged = Redactor.ForLogging(original);
        var text = logged.ToString();

        Assert.DoesNotContain("hk-log-0001", text, StringComparison.Ordinal);
        Assert.DoesNotContain("hk-log-0001", logged.Message, StringComparison.Ordinal);
        Assert.StartsWith("System.AggregateException: One or more errors occurred. (Host=db;Password=******", text, StringComparison.Ordinal);
        Assert.Contains("System.InvalidOperationException: Host=db;Password=******", text, StringComparison.Ordinal);
        Assert.Contains("System.FormatException: Host=db;Password=******", text, StringComparison.Ordinal);
        Assert.Contains("(Inner Exception #1) System.ArgumentException: Host=db;Password=******", text, StringComparison.Ordinal);
        Assert.Contains(nameof(Capture), text, StringComparison.Ordinal);
        Assert.Equal(original.StackTrace, logged.StackTrace);

        var wrapped = Assert.IsType<RedactedException>(logged);
        Assert.Equal(2, wrapped.InnerExceptions.Count);
        var first = Assert.IsType<RedactedException>(wrapped.InnerExceptions[0]);
        Assert.Same(first, logged.InnerException);
        Assert.Equal("System.InvalidOperationException", first.OriginalType);
        Assert.Equal("Host=db;Password=******", first.Message);
        Assert.Equal("System.FormatException", Assert.IsType<RedactedException>(first.InnerException).OriginalType);
    }

    [Fact]
    public void ForLogging_DeepChain_IsBounded()
    {
        Exception exception = new InvalidOperationException("Password=hk-deep");
        for (var i = 0; i < 1_000; i++)
        {
            exception = new InvalidOperationException("Password=hk-deep", exception);
        }

        var logged = Redactor.ForLogging(exception);

        var depth = 0;
        for (var current = logged; current is not null; current = current.InnerException)
        {
            depth++;
        }

        Assert.InRange(depth, 2, 9);
        Assert.DoesNotContain("hk-deep", logged.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void ForLogging_WideAggregate_IsBounded()
    {
        var aggregate = new AggregateException(Enumerable.Range(0, 500).Select(i => new FormatException("Pwd=hk-wide" + i)));

        var logged = Assert.IsType<RedactedException>(Redactor.ForLogging(aggregate));

        Assert.InRange(logged.InnerExceptions.Count, 1, 64);
        Assert.DoesNotContain("hk-wide", logged.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void ForLogging_MessageGetterThrows_StillWraps()
    {
        var logged = Redactor.ForLogging(new BrokenMessageException());

        Assert.Contains(nameof(BrokenMessageException), logged.ToString(), StringComparison.Ordinal);
        Assert.Contains("could not be read", logged.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ForLogging_Null_IsNull() => Assert.Null(Redactor.ForLogging(null));

    private static string? Render(object? value) => value switch
    {
        bool flag => flag ? "true" : "false",
        _ => Convert.ToString(value, CultureInfo.InvariantCulture),
    };

    private static Exception Capture(Action thrower)
    {
        try
        {
            thrower();
        }
        catch (Exception ex)
        {
            return ex;
        }

        throw new InvalidOperationException("did not throw");
    }

    private sealed class BrokenMessageException : Exception
    {
        public override string Message => throw new InvalidOperationException("Password=hk-broken");
    }
}
