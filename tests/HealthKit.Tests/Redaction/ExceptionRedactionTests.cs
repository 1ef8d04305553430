using HealthKit.Redaction;

namespace HealthKit.Tests.Redaction;

/// <summary>The stand-in an exception becomes before a logger sees it: its bounds, and exceptions whose members misbehave.</summary>
public sealed class ExceptionRedactionTests
{
    [Fact]
    public void ForLog_Null_IsNull()
    {
        Assert.Null(Redactor.ForLog(null));
    }

    [Fact]
    public void ForLogging_AggregateOfManyExceptions_WrapsAtMost64()
    {
        var many = new AggregateException(Enumerable.Range(0, 100).Select(i => new InvalidOperationException("e" + i)));

        Assert.Equal(64, Count(Redactor.ForLogging(many)));
    }

    [Fact]
    public void ForLogging_AggregateOfExceptionsWithInnerOnes_WrapsAtMost64()
    {
        var many = new AggregateException(Enumerable.Range(0, 70).Select(i => new InvalidOperationException("e" + i, new TimeoutException("t" + i))));

        Assert.Equal(64, Count(Redactor.ForLogging(many)));
    }

    [Fact]
    public void ForLogging_NestedAggregates_AreWrappedNineLevelsDeep()
    {
        Exception nested = new InvalidOperationException("innermost");
        for (var i = 0; i < 20; i++)
        {
            nested = new AggregateException(nested);
        }

        Assert.Equal(9, Count(Redactor.ForLogging(nested)));
    }

    [Fact]
    public void ForLogging_ChainOfInnerExceptions_IsWrappedNineLevelsDeep()
    {
        Exception chain = new InvalidOperationException("innermost");
        for (var i = 0; i < 20; i++)
        {
            chain = new InvalidOperationException("outer " + i, chain);
        }

        Assert.Equal(9, Count(Redactor.ForLogging(chain)));
    }

    [Fact]
    public void ForLogging_EmptyMessage_IsWrittenAsTheTypeAlone()
    {
        var text = Redactor.ForLogging(new TimeoutException(string.Empty)).ToString();

        Assert.Equal("System.TimeoutException", text);
    }

    [Fact]
    public void ExceptionMembers_NullMessage_IsEmpty_AndAThrowingOneSaysWhy()
    {
        Assert.Equal(string.Empty, ExceptionMembers.Message(new NullMessage()));
        Assert.Equal("(the message could not be read: NotSupportedException)", ExceptionMembers.Message(new ThrowingMembers()));
    }

    [Fact]
    public void ExceptionMembers_StackTraceThatThrows_IsNull()
    {
        Assert.Null(ExceptionMembers.StackTrace(new ThrowingMembers()));
    }

    private static int Count(Exception exception) => 1 + ((RedactedException)exception).InnerExceptions.Sum(Count);

    private sealed class NullMessage : Exception
    {
        public override string Message => null!;
    }

    private sealed class ThrowingMembers : Exception
    {
        public override string Message => throw new NotSupportedException();

        public override string? StackTrace => throw new NotSupportedException();
    }
}
