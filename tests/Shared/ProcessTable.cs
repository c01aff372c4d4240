namespace ActorRollouts.Tests.Shared;

/// <summary>The machine's live processes (zombies left out) whose command line holds a marker: how a test sees that a
/// command it started is running, or that nothing of it is left. Linked into each test project that kills commands.</summary>
internal static class ProcessTable
{
    public static List<int> Mentioning(string marker) =>
        Directory.EnumerateDirectories("/proc").Select(Path.GetFileName).Where(n => int.TryParse(n, out _)).Select(int.Parse!)
            .Where(pid =>
            {
                try
                {
                    return File.ReadAllText($"/proc/{pid}/cmdline").Contains(marker) && !File.ReadAllText($"/proc/{pid}/stat").Contains(") Z ");
                }
                catch (IOException)
                {
                    return false;
                }
            }).ToList();
}
