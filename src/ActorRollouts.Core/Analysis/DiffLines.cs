using System.Globalization;
using System.Text.RegularExpressions;

namespace ActorRollouts.Core.Analysis;

/// <summary>Lines a unified diff adds and removes (file headers and "\ No newline" markers excluded).</summary>
public static partial class DiffLines
{
    [GeneratedRegex(@"^@@ -\d+(?:,(\d+))? \+\d+(?:,(\d+))? @@")]
    private static partial Regex HunkHeader();

    /// <summary>Each hunk header says how many old and new lines its body holds, and only those are counted: a removed
    /// line reading <c>-- x</c> shows as <c>--- x</c>, and a line added as <c>++ y</c> as <c>+++ y</c>, which look like
    /// file headers to anything that judges a line by its first characters.</summary>
    public static (int Added, int Removed) Count(string diff)
    {
        int added = 0, removed = 0, oldLeft = 0, newLeft = 0;
        foreach (var line in diff.Split('\n'))
        {
            if (oldLeft == 0 && newLeft == 0)
            {
                if (HunkHeader().Match(line) is { Success: true } hunk)
                    (oldLeft, newLeft) = (LineCount(hunk.Groups[1]), LineCount(hunk.Groups[2]));
                continue; // file headers, "\ No newline at end of file", anything between hunks
            }
            if (line.StartsWith('+')) { added++; newLeft--; }
            else if (line.StartsWith('-')) { removed++; oldLeft--; }
            else if (line.StartsWith(' ') || line.Length == 0) { oldLeft--; newLeft--; }
            oldLeft = Math.Max(oldLeft, 0);
            newLeft = Math.Max(newLeft, 0);
        }
        return (added, removed);
    }

    /// <summary>A hunk header's count is 1 when left out (<c>@@ -3 +3 @@</c>).</summary>
    private static int LineCount(Group group) => group.Success ? int.Parse(group.Value, CultureInfo.InvariantCulture) : 1;
}
