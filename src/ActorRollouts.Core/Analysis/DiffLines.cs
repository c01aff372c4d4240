namespace ActorRollouts.Core.Analysis;

/// <summary>Lines a unified diff adds and removes (file headers and "\ No newline" markers excluded).</summary>
public static class DiffLines
{
    public static (int Added, int Removed) Count(string diff)
    {
        int added = 0, removed = 0;
        foreach (var line in diff.Split('\n'))
        {
            if (line.StartsWith("+++ ", StringComparison.Ordinal) || line.StartsWith("--- ", StringComparison.Ordinal)) continue;
            if (line.StartsWith('+')) added++;
            else if (line.StartsWith('-')) removed++;
        }
        return (added, removed);
    }
}
