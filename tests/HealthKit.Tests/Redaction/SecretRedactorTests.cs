using System.Text.RegularExpressions;
using HealthKit.Redaction;

namespace HealthKit.Tests.Redaction;

/// <summary>
/// Each recognizer at its edges: where a key, a value, a token or a block begins and ends, text that ends in the middle of
/// one, and text that only looks like one.
/// </summary>
public sealed class SecretRedactorTests
{
    private const string M = Redactor.Mask;

    private static string Redact(string text) => SecretRedactor.Default.Redact(text);

    [Theory]
    [InlineData("password")]
    [InlineData("passwords")]
    [InlineData("passwd")]
    [InlineData("pwd")]
    [InlineData("passphrase")]
    [InlineData("secret")]
    [InlineData("secrets")]
    [InlineData("key")]
    [InlineData("keys")]
    [InlineData("token")]
    [InlineData("tokens")]
    [InlineData("credential")]
    [InlineData("credentials")]
    [InlineData("authorization")]
    [InlineData("cookie")]
    [InlineData("sig")]
    [InlineData("signature")]
    [InlineData("APIKEY")]
    [InlineData("MYAPIKEY")]
    [InlineData("vcap_services")]
    [InlineData("VCAPServices")]
    [InlineData("vcapServices")]
    [InlineData("VCAP_SERVICES")]
    [InlineData("db.password.2")]
    public void IsSecretKey_SecretName_IsTrue(string key)
    {
        Assert.True(SecretRedactor.Default.IsSecretKey(key));
    }

    [Theory]
    [InlineData("")]
    [InlineData("user")]
    [InlineData("services")]
    [InlineData("vcap")]
    [InlineData("vcap_application")]
    [InlineData("vcapPort")]
    [InlineData("APIKeyId")]
    [InlineData("keyCount")]
    [InlineData("TOKENSize")]
    [InlineData("2")]
    [InlineData("/etc/keys")]
    [InlineData(@"C:\keys")]
    public void IsSecretKey_OtherName_IsFalse(string key)
    {
        Assert.False(SecretRedactor.Default.IsSecretKey(key));
    }

    [Fact]
    public void Default_IsOneInstance_AndFromEmptyOptionsIsIt()
    {
        Assert.Same(SecretRedactor.Default, SecretRedactor.Default);
        Assert.Same(SecretRedactor.Default, SecretRedactor.From(new HealthKitRedactionOptions()));
    }

    [Fact]
    public void From_OptionsWithOnlyWords_OrOnlyPatterns_UsesThem()
    {
        var words = new HealthKitRedactionOptions();
        words.SecretKeyWords.Add("pin");
        var patterns = new HealthKitRedactionOptions();
        patterns.SecretPatterns.Add("acct-[0-9]+");

        Assert.True(SecretRedactor.From(words).IsSecretKey("cardPin"));
        Assert.Equal($"id {M} here", SecretRedactor.From(patterns).Redact("id acct-1234 here"));
        Assert.False(SecretRedactor.Default.IsSecretKey("cardPin"));
    }

    [Fact]
    public void CreatePattern_IsCultureInvariant_WithExplicitCapture_AndATimeout()
    {
        var pattern = SecretRedactor.CreatePattern("a");

        Assert.Equal(RegexOptions.CultureInvariant | RegexOptions.ExplicitCapture, pattern.Options);
        Assert.Equal(TimeSpan.FromMilliseconds(100), pattern.MatchTimeout);
    }

    [Fact]
    public void Redact_PatternThatTimesOut_MasksTheWholeText()
    {
        var redactor = new SecretRedactor([], [@"^(\w+\s?)*$"]);

        Assert.Equal(M, redactor.Redact(new string('a', 64) + "!"));
    }

    [Theory]
    [InlineData("tok-[0-9]+", "tok-1 and tok-2", M + " and " + M)]
    [InlineData("x*", "abc xx", "abc " + M)]
    [InlineData("(?<secret>[0-9]+)?", "id 42", "id " + M)]
    public void Redact_UserPattern_MasksEveryMatch_AfterAnEmptyOne(string pattern, string text, string expected)
    {
        Assert.Equal(expected, new SecretRedactor([], [pattern]).Redact(text));
    }

    [Theory]
    [InlineData("abcd!", "******!")]
    [InlineData("abcdefgh!", "******!")]
    [InlineData("cd abcdefgh!", "****** ******!")]
    public void Redact_TouchingOrNestedRanges_AreOneMask(string text, string expected)
    {
        var redactor = new SecretRedactor([], ["ab", "cd", "abcdefgh"]);

        Assert.Equal(expected, redactor.Redact(text));
    }

    [Fact]
    public void Redact_NullAndEmpty_AreReturnedAsTheyAre()
    {
        Assert.Null(SecretRedactor.Default.Redact(null));
        Assert.Equal(string.Empty, Redact(string.Empty));
    }

    [Theory]
    [InlineData("password=", "password=")]
    [InlineData("password=   ", "password=   ")]
    [InlineData("\":x", "\":x")]
    [InlineData("= password=hk1", "= password=" + M)]
    [InlineData(": password=hk1", ": password=" + M)]
    [InlineData("password=//hk1", "password=" + M)]
    [InlineData("key://example.com/path", "key://example.com/path")]
    [InlineData("{\"password\":\"hk1\"", "{\"password\":\"" + M + "\"")]
    [InlineData("\"password\": \"hk1\"", "\"password\": \"" + M + "\"")]
    [InlineData("{\"password\": \"hk1", "{\"password\": \"" + M)]
    [InlineData("{\"password\": \"hk1\\", "{\"password\": \"" + M)]
    [InlineData("{\"password\": \"a\\\"\", \"user\": \"bob\"}", "{\"password\": \"" + M + "\", \"user\": \"bob\"}")]
    public void Redact_PairAtTheEdges(string text, string expected)
    {
        Assert.Equal(expected, Redact(text));
    }

    [Theory]
    [InlineData("redis://:p#ss@cache:6379", "redis://:" + M + "@cache:6379")]
    [InlineData("amqp://app:Zm9v/YmFy@mq:5672/prod", "amqp://app:" + M + "@mq:5672/prod")]
    [InlineData("x://@host", "x://@host")]
    [InlineData("x://user@host", "x://user@host")]
    [InlineData("see x://a:b@h and y://c:d@i", "see x://a:" + M + "@h and y://c:" + M + "@i")]
    [InlineData("://x then y://u:pw@h", "://x then y://u:" + M + "@h")]
    [InlineData("://u:pw@h", "://u:pw@h")]
    [InlineData(" ://u:pw@h", " ://u:pw@h")]
    [InlineData("x://u:pw@h\"x@y", "x://u:" + M + "@h\"x@y")]
    [InlineData("x://u:pw@h'x@y", "x://u:" + M + "@h'x@y")]
    [InlineData("x://u:pw@h<x@y", "x://u:" + M + "@h<x@y")]
    [InlineData("x://u:pw@h>x@y", "x://u:" + M + "@h>x@y")]
    [InlineData("x://u:pw@h x@y", "x://u:" + M + "@h x@y")]
    [InlineData("x:// y://u:pw@h", "x:// y://u:" + M + "@h")]
    [InlineData("end x://", "end x://")]
    public void Redact_UriUserInfo_MasksThePasswordUpToTheLastAt(string text, string expected)
    {
        Assert.Equal(expected, Redact(text));
    }

    [Theory]
    [InlineData("Host=db;Password=Tr0ub;4dor;Port=5432", "Host=db;Password=" + M + ";Port=5432")]
    [InlineData("Host=db;Password=a;b", "Host=db;Password=" + M)]
    [InlineData("Host=db;Password=a;=b", "Host=db;Password=" + M)]
    [InlineData("Host=db;Password=a;\tPort=1", "Host=db;Password=" + M + ";\tPort=1")]
    [InlineData("Host=db;Password=a; \nvisible", "Host=db;Password=" + M + "; \nvisible")]
    [InlineData("Host=db;Password=hk1\nvisible", "Host=db;Password=" + M + "\nvisible")]
    [InlineData("Host=db;Password=;Port=5432", "Host=db;Password=;Port=5432")]
    [InlineData("Host=db;Password=\"hk1\" ;Port=1", "Host=db;Password=\"" + M + "\" ;Port=1")]
    [InlineData("Host=db;Password=\"hk1\"\t;Port=1", "Host=db;Password=\"" + M + "\"\t;Port=1")]
    [InlineData("Host=db;Password=\"hk1\" x;Port=1", "Host=db;Password=" + M + ";Port=1")]
    public void Redact_ConnectionStringMember_EndsAtTheSemicolonBeforeTheNextKey(string text, string expected)
    {
        Assert.Equal(expected, Redact(text));
    }

    [Fact]
    public void Redact_ConnectionStringMember_KeyOfUpTo128Characters_StartsThePairThatEndsIt()
    {
        var longest = new string('k', 128);
        var tooLong = new string('k', 129);

        Assert.Equal($"Host=db;Password={M};{longest}=v", Redact($"Host=db;Password=a;{longest}=v"));
        Assert.Equal($"Host=db;Password={M}", Redact($"Host=db;Password=a;{tooLong}=v"));
    }

    [Theory]
    [InlineData("Basic dXNlcjpwYXNz", "Basic " + M)]
    [InlineData("Basic abcd1234", "Basic " + M)]
    [InlineData("Basic abc/def", "Basic " + M)]
    [InlineData("Basic abc+def", "Basic " + M)]
    [InlineData("Basic abcdef==", "Basic " + M)]
    [InlineData("Basic Authentication failed", "Basic Authentication failed")]
    [InlineData("Basic authentication failed", "Basic authentication failed")]
    [InlineData("Bearer abc", "Bearer " + M)]
    [InlineData("Bearer", "Bearer")]
    [InlineData("NotBearer abc", "NotBearer abc")]
    public void Redact_AuthorizationScheme_MasksOnlyAnEncodedLookingBasicToken(string text, string expected)
    {
        Assert.Equal(expected, Redact(text));
    }

    [Theory]
    [InlineData("ghp_0123456789abcdefghij", "ghp_" + M)]
    [InlineData("ghp_0123456789abcdefghi", "ghp_0123456789abcdefghi")]
    [InlineData("x ghp_short", "x ghp_short")]
    [InlineData("xghp_0123456789abcdefghij", "xghp_0123456789abcdefghij")]
    [InlineData("-ghp_0123456789abcdefghij", "-ghp_" + M)]
    [InlineData("xoxb-12345678", "xoxb-" + M)]
    [InlineData("xoxb-1234567", "xoxb-1234567")]
    public void Redact_SelfIdentifyingToken_NeedsItsLengthAndAStartOfWord(string text, string expected)
    {
        Assert.Equal(expected, Redact(text));
    }

    [Fact]
    public void Redact_PrivateKey_MasksTheBodyBetweenItsMarkers()
    {
        const string Key = "-----BEGIN RSA PRIVATE KEY-----\nMIIEabc\n-----END RSA PRIVATE KEY-----\nafter";

        Assert.Equal("-----BEGIN RSA PRIVATE KEY-----" + M + "-----END RSA PRIVATE KEY-----\nafter", Redact(Key));
    }

    [Theory]
    [InlineData("-----BEGIN -----x -----BEGIN PRIVATE KEY-----body", "-----BEGIN -----x -----BEGIN PRIVATE KEY-----" + M)]
    [InlineData("-----BEGIN PRIVATE KEY----------END PRIVATE KEY-----after", "-----BEGIN PRIVATE KEY----------END PRIVATE KEY-----after")]
    public void Redact_PrivateKey_EmptyLabelOrBody(string text, string expected)
    {
        Assert.Equal(expected, Redact(text));
    }

    [Fact]
    public void Redact_PrivateKeyWithoutItsEnd_IsMaskedToTheEndOfTheText()
    {
        Assert.Equal("-----BEGIN PRIVATE KEY-----" + M, Redact("-----BEGIN PRIVATE KEY-----MIIEabc"));
    }

    [Theory]
    [InlineData("-----BEGIN CERTIFICATE-----MIIBabc-----END CERTIFICATE-----")]
    [InlineData("-----BEGIN CERTIFICATE-----MIIB PRIVATE KEY abcdefgh")]
    [InlineData("0123456789012345678 -----BEGIN CERTIFICATE-----MIIB PRIVATE KEY abcdefghijklmnopqrstuvwxyz0123456789")]
    [InlineData("-----BEGIN RSA PRIVATE KEY")]
    [InlineData("-----BEGIN ")]
    public void Redact_BlockThatIsNotAPrivateKey_IsLeftAlone(string text)
    {
        Assert.Same(text, Redact(text));
    }

    [Fact]
    public void Redact_PrivateKeyLabel_IsAtMost64Characters()
    {
        var longest = "A" + new string(' ', 52) + "PRIVATE KEY";
        var tooLong = "AB" + new string(' ', 52) + "PRIVATE KEY";

        Assert.Equal(64, longest.Length);
        Assert.Equal($"-----BEGIN {longest}-----{M}", Redact($"-----BEGIN {longest}-----body"));
        Assert.Equal($"-----BEGIN {tooLong}-----body", Redact($"-----BEGIN {tooLong}-----body"));
    }

    [Fact]
    public void Bounded_LongText_ScansAWindowOfFourTimesTheKeptLength()
    {
        var text = "password=" + new string('x', 5000) + "\n" + new string('b', 3000);

        var bounded = SecretRedactor.Default.Bounded(text, 2000);

        Assert.StartsWith("password=" + M + " bbb", bounded, StringComparison.Ordinal);
        Assert.Contains("…[truncated ", bounded, StringComparison.Ordinal);
    }

    [Fact]
    public void Bounded_CutText_UriThatEndsBeforeTheCut_KeepsItsHost()
    {
        var bounded = SecretRedactor.Default.Bounded("x://u:pw@h " + new string('a', 5000), 1024);

        Assert.StartsWith("x://u:" + M + "@h aaa", bounded, StringComparison.Ordinal);
    }

    [Fact]
    public void Bounded_TextOfExactlyTheWindow_IsNotCut()
    {
        // A URI without '@' at the very end: only a cut text masks it from its first ':' (its '@' could lie beyond).
        var text = new string('a', 4096 - 22) + " x://user:secretpw/abc";

        var bounded = SecretRedactor.Default.Bounded(text, 1024);

        Assert.Equal(4096, text.Length);
        Assert.EndsWith("…[truncated " + (4096 - 1024) + " characters]", bounded, StringComparison.Ordinal);
    }

    [Fact]
    public void Bounded_UriRunningIntoTheWindowsEnd_IsMaskedFromItsFirstColon()
    {
        // The window (8,000 characters for 2,000 kept) ends inside the run of p's, before the '@': the ten p's inside it
        // become the six characters of the mask, so the redacted window is four characters shorter than the window.
        var text = new string('a', 7980) + " x://user:" + new string('p', 50) + "@host" + new string('b', 100);

        var bounded = SecretRedactor.Default.Bounded(text, 2000);

        Assert.EndsWith("…[truncated " + (text.Length - 2000 - 4) + " characters]", bounded, StringComparison.Ordinal);
    }

    [Fact]
    public void Bounded_TextBeyondTheWindow_CountsDroppedCharactersOfTheOriginal()
    {
        var text = new string('a', 5000) + " password=" + new string('x', 100);

        var bounded = SecretRedactor.Default.Bounded(text, 1024);

        Assert.Equal(new string('a', 1024) + "…[truncated " + (text.Length - 1024) + " characters]", bounded);
    }
}
