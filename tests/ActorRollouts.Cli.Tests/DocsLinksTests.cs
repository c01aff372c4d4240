using System.Text.RegularExpressions;

namespace ActorRollouts.Cli.Tests;

/// <summary>The README and the pages of docs/ and bench/ link to each other: every relative link must reach a file of the
/// repository, and every #anchor a heading of its page (as GitHub makes anchors), or a reader lands nowhere.</summary>
public partial class DocsLinksTests
{
    [GeneratedRegex(@"\]\(([^)\s]+)\)")]
    private static partial Regex Link();

    [GeneratedRegex(@"^#{1,6} +(.+?)\s*$", RegexOptions.Multiline)]
    private static partial Regex Heading();

    private static IEnumerable<string> Pages() =>
        new[] { "README.md", "bench/README.md" }.Concat(Directory.EnumerateFiles(Path.Combine(Cli.RepoRoot, "docs"), "*.md")
            .Select(f => Path.GetRelativePath(Cli.RepoRoot, f)));

    /// <summary>GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens.</summary>
    private static string Anchor(string heading) =>
        Regex.Replace(heading.ToLowerInvariant().Replace("`", ""), @"[^\p{L}\p{N}\s_-]", "").Trim().Replace(' ', '-');

    private static HashSet<string> Anchors(string file) =>
        Heading().Matches(WithoutCode(File.ReadAllText(file))).Select(m => Anchor(m.Groups[1].Value)).ToHashSet();

    /// <summary>Fenced code is not markdown: a '# comment' in a bash block is no heading.</summary>
    private static string WithoutCode(string text) => Regex.Replace(text, "^```.*?^```", "", RegexOptions.Multiline | RegexOptions.Singleline);

    [Fact]
    public void EveryRelativeLinkAndAnchor_Resolves()
    {
        var broken = new List<string>();
        foreach (var page in Pages())
        {
            var path = Path.Combine(Cli.RepoRoot, page);
            foreach (Match link in Link().Matches(WithoutCode(File.ReadAllText(path))))
            {
                var target = link.Groups[1].Value;
                if (target.StartsWith("http://", StringComparison.Ordinal) || target.StartsWith("https://", StringComparison.Ordinal)) continue;
                var (file, anchor) = target.IndexOf('#') is var hash and >= 0 ? (target[..hash], target[(hash + 1)..]) : (target, null);
                var resolved = file.Length == 0 ? path : Path.GetFullPath(Path.Combine(Path.GetDirectoryName(path)!, file));
                if (!File.Exists(resolved) && !Directory.Exists(resolved)) broken.Add($"{page}: {target} (no such file)");
                else if (anchor is not null && File.Exists(resolved) && !Anchors(resolved).Contains(anchor)) broken.Add($"{page}: {target} (no such heading)");
            }
        }
        Assert.Empty(broken);
    }

    [Fact]
    public void TheReadme_StaysShort()
    {
        var lines = File.ReadAllLines(Path.Combine(Cli.RepoRoot, "README.md")).Length;
        Assert.True(lines < 400, $"README.md has {lines} lines: reference belongs in docs/, benchmark history in bench/README.md");
    }
}
