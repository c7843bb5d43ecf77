using System.Globalization;

namespace Scm.Replenishment;

/// <summary>The sample's command line.</summary>
public sealed record StoryOptions
{
    /// <summary>Gets the SQLite file, or null for a fresh file in a temp folder.</summary>
    public string? DatabasePath { get; init; }

    /// <summary>Gets a value indicating whether to run on the in-memory store instead of SQLite.</summary>
    public bool InMemory { get; init; }

    /// <summary>Gets how many days of procurement loops to simulate for the metrics panel.</summary>
    public int SimulateDays { get; init; } = 30;

    /// <summary>Gets a value indicating whether to print JSON instead of the report.</summary>
    public bool Json { get; init; }

    /// <summary>Gets a value indicating whether to print the loops' Mermaid diagrams.</summary>
    public bool Diagram { get; init; }

    /// <summary>Gets a value indicating whether help was asked for.</summary>
    public bool Help { get; init; }

    public const string Usage = """
        Scm.Replenishment: the Loop Engine's SCM replenishment story, end to end.

        Usage: dotnet run --project samples/Scm.Replenishment [-- options]

          --db PATH            write to this SQLite file (it must not exist or be empty)
                               (default: a fresh file in a temp folder, its path printed)
          --store memory       use the in-memory store instead of SQLite
          --simulate-days N    days of scm.procurement loops simulated for the metrics panel (default 30)
          --json               print the results as JSON
          --diagram            also print each loop's Mermaid diagram
          --help               show this help
        """;

    /// <summary>Parses the command line.</summary>
    /// <exception cref="ArgumentException">An option is unknown or has a bad value; the message says which.</exception>
    public static StoryOptions Parse(IReadOnlyList<string> args)
    {
        var options = new StoryOptions();
        for (var i = 0; i < args.Count; i++)
        {
            string Value() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"Option {args[i]} needs a value.");
            options = args[i] switch
            {
                "--db" => options with { DatabasePath = Value() },
                "--store" => Value() switch
                {
                    "memory" => options with { InMemory = true },
                    "sqlite" => options with { InMemory = false },
                    var other => throw new ArgumentException($"Store '{other}' is not known. Valid stores are: sqlite, memory."),
                },
                "--simulate-days" => int.TryParse(Value(), NumberStyles.None, CultureInfo.InvariantCulture, out var days) && days is >= 1 and <= 365
                    ? options with { SimulateDays = days }
                    : throw new ArgumentException("--simulate-days takes a whole number from 1 to 365."),
                "--json" => options with { Json = true },
                "--diagram" => options with { Diagram = true },
                "--help" or "-h" => options with { Help = true },
                var unknown => throw new ArgumentException($"Option '{unknown}' is not known. Valid options are: --db, --store, --simulate-days, --json, --diagram, --help."),
            };
        }

        return options;
    }
}
