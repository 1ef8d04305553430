/// <summary>Memory the sample keeps on purpose, through the test-only endpoint <c>/sample/allocate</c>.</summary>
internal static class SampleAllocations
{
    private const int MaxMiB = 1024;
    private static readonly List<byte[]> Kept = [];

    /// <summary>Keeps <paramref name="mebibytes"/> more (never more than 1 GiB in all) and returns the MiB kept.</summary>
    public static int Keep(int mebibytes)
    {
        lock (Kept)
        {
            for (var i = 0; i < mebibytes && Kept.Count < MaxMiB; i++)
            {
                var block = new byte[1024 * 1024];

                // Written, so the pages are really in use and not just reserved.
                Array.Fill(block, (byte)1);
                Kept.Add(block);
            }

            return Kept.Count;
        }
    }
}
