using System.Runtime.InteropServices;

namespace HealthKit.Tests.Infrastructure;

/// <summary>POSIX signals to another process, as the kubelet (SIGTERM) and a frozen host (SIGSTOP, SIGCONT) send them.</summary>
internal static class Signals
{
    // Linux numbering, the only platform these tests send signals on (macOS numbers SIGSTOP and SIGCONT differently).
    public const int Sigterm = 15;
    public const int Sigcont = 18;
    public const int Sigstop = 19;

    /// <summary>Sends <paramref name="signal"/> to <paramref name="pid"/>, or throws with the errno.</summary>
    public static void Send(int pid, int signal)
    {
        Assert.True(OperatingSystem.IsLinux(), "these tests send Linux signal numbers");
        if (Kill(pid, signal) != 0)
        {
            throw new InvalidOperationException($"kill({pid}, {signal}) failed with errno {Marshal.GetLastPInvokeError()}.");
        }
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
