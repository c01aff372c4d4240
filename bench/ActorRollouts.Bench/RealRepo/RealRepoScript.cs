using System.Text.Json;

namespace ActorRollouts.Bench.RealRepo;

/// <summary>The <c>real-repo</c> workload's model: ten tool turns on Debian's Python standard library, mixing every tool
/// — reads, a search, a listing, an edit, writes and bash commands that edit with sed, create, copy, move and delete
/// files — then a closing answer. The files it touches are <see cref="Touched"/>.</summary>
public static class RealRepoScript
{
    public const int ToolTurns = 10;

    public static readonly string[] Touched = ["json/__init__.py", "json/decoder.py", "textwrap.py", "string.py", "this.py"];

    public static string Json() => JsonSerializer.Serialize(new
    {
        scenarios = new[]
        {
            new
            {
                turns = new object[]
                {
                    Call("list_files", new { path = "json" }),
                    Call("read_file", new { path = "json/__init__.py", limit = 120 }),
                    Call("search", new { pattern = "def (dumps|loads)", path = "json" }),
                    Call("edit_file", new { path = "json/__init__.py", old_string = "__version__ = '2.0.9'", new_string = "__version__ = '2.0.10'" }),
                    Call("write_file", new { path = "notes/plan.md", content = "# Plan\n\n1. bump the json version\n2. tidy textwrap\n" }),
                    Call("bash", new { command = "sed -i 's/^import re$/import re  # used below/' textwrap.py && mkdir -p newpkg && echo 'x = 1' > newpkg/mod.py" }),
                    Call("bash", new { command = "cp string.py newpkg/string_copy.py && mv newpkg/string_copy.py newpkg/strings.py && rm -f this.py && touch json/decoder.py" }),
                    Call("read_file", new { path = "newpkg/mod.py" }),
                    Call("read_file", new { path = "json/decoder.py", offset = 1, limit = 40 }),
                    Call("write_file", new { path = "notes/done.md", content = "Bumped json to 2.0.10; textwrap comment; newpkg added.\n" }),
                    new { content = "Done: json bumped, textwrap tidied, newpkg added." },
                },
            },
        },
    });

    private static object Call(string name, object arguments) => new { tool_calls = new[] { new { name, arguments } } };
}
