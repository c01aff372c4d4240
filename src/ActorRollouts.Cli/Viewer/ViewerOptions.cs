using System.CommandLine;
using ActorRollouts.Cli.Hosting;

namespace ActorRollouts.Cli.Viewer;

/// <summary>The viewer's options, shared by <c>view</c> and <c>run --view</c>, and its start-up line.</summary>
public static class ViewerOptions
{
    public static Option<int> Port(string name = "--port") => new(name)
    {
        Description = $"Port of the web viewer (default {ViewerServer.DefaultPort}; 0 picks a free one).",
        DefaultValueFactory = _ => ViewerServer.DefaultPort,
    };

    public static Option<string> Host(string name = "--host") => new(name)
    {
        Description = "Address the viewer listens on. Anything but 127.0.0.1 (the default) needs the token printed at start on every request.",
        DefaultValueFactory = _ => "127.0.0.1",
    };

    /// <summary>One line on stdout with the address to open (the token in it when one is needed), and how it is guarded.</summary>
    public static void Announce(ViewerServer viewer, JournalLocation journal)
    {
        Console.WriteLine($"viewer: {viewer.OpenUrl}");
        Console.Error.WriteLine(viewer.Access.Token is null
            ? $"viewer: reading {journal.Display}; listening on 127.0.0.1 only. Ctrl-C stops it."
            : $"viewer: reading {journal.Display}; every request needs the token above (open the address as printed). Ctrl-C stops it.");
    }
}
