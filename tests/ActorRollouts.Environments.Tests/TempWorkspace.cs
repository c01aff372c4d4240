using System.Text.Json;
using ActorRollouts.Core.Model;
using ActorRollouts.Environments.Workspaces;

namespace ActorRollouts.Environments.Tests;

/// <summary>A real workspace in a temp folder, next to an "outside" folder holding a sentinel the tests must never touch.</summary>
public sealed class TempWorkspace : IDisposable
{
    private static int _calls;

    /// <summary>No read-first rule unless a test asks for it, so each tool can be tested on its own.</summary>
    public static readonly EnvironmentOptions Plain = EnvironmentOptions.Default with { RequireReadFirst = [] };

    public TempWorkspace(params string[] tools) : this(Plain, tools) { }

    public TempWorkspace(EnvironmentOptions options, params string[] tools) : this(null, options, tools) { }

    /// <param name="template">Fills a template folder (given its path and the outside folder), which is captured, as a
    /// fleet captures it, and the workspace is made over it.</param>
    public TempWorkspace(Action<string, string>? template, EnvironmentOptions options, params string[] tools)
    {
        Base = Path.Combine(Path.GetTempPath(), "ar-env-tests", Guid.NewGuid().ToString("n")[..12]);
        Outside = Path.Combine(Base, "outside");
        Directory.CreateDirectory(Outside);
        File.WriteAllText(Path.Combine(Outside, "secret.txt"), "sentinel\n");
        if (template is not null)
        {
            var source = Directory.CreateDirectory(Path.Combine(Base, "source")).FullName;
            template(source, Outside);
            Template = TemplateCapture.Capture(source, Path.Combine(Base, "templates"));
        }
        Blobs = new BlobStore(Path.Combine(Base, "blobs"));
        Workspace = Workspace.Open(Path.Combine(Base, "ws"), Template?.Folder);
        Executor = new ToolExecutor(Workspace, tools.Length > 0 ? tools : ToolCatalog.AllToolNames, options, Blobs);
    }

    /// <summary>The captured template the workspace is made over, if any.</summary>
    public CapturedTemplate? Template { get; }

    public BlobStore Blobs { get; }

    public string Base { get; }
    public string Outside { get; }
    public Workspace Workspace { get; }
    public ToolExecutor Executor { get; }

    public string PathOf(string relative) => Path.Combine(Workspace.Root, relative);

    public void Write(string relative, string content)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(PathOf(relative))!);
        File.WriteAllText(PathOf(relative), content);
    }

    public async Task<ToolResult> Run(string tool, object arguments) => (await Execute(tool, arguments)).Outcome;

    public async Task<ToolResult> RunRaw(string tool, string arguments) =>
        (await Executor.ExecuteAsync(new ToolCall($"call_{Interlocked.Increment(ref _calls)}", tool, arguments), CancellationToken.None)).Outcome;

    public Task<ToolExecution> Execute(string tool, object arguments) =>
        Executor.ExecuteAsync(new ToolCall($"call_{Interlocked.Increment(ref _calls)}", tool, JsonSerializer.Serialize(arguments)), CancellationToken.None);

    /// <summary>Everything under the outside folder, to prove nothing there changed.</summary>
    public string OutsideSnapshot() =>
        string.Join("\n", Directory.EnumerateFileSystemEntries(Outside, "*", SearchOption.AllDirectories).Order()
            .Select(p => File.Exists(p) ? $"{p}={File.ReadAllText(p)}" : p));

    public void Dispose()
    {
        Workspace.Dispose();
        try
        {
            Directory.Delete(Base, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
