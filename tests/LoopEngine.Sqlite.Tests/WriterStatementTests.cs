using Microsoft.Data.Sqlite;

namespace LoopEngine.Sqlite.Tests;

/// <summary>
/// The writer's prepared statements skip binding a value equal to the one bound last (SQLite keeps bindings across runs):
/// every row must still hold exactly the values set for it, whatever was bound before, after a failed bind too.
/// </summary>
public sealed class WriterStatementTests : IDisposable
{
    private readonly TempDatabase _database = new();
    private readonly SqliteConnection _connection;

    public WriterStatementTests()
    {
        _connection = new SqliteConnection(_database.ConnectionString());
        _connection.Open();
        using var create = _connection.CreateCommand();
        create.CommandText = "CREATE TABLE t (n INTEGER NOT NULL, a, b, c);";
        create.ExecuteNonQuery();
    }

    public void Dispose()
    {
        _connection.Dispose();
        _database.Dispose();
    }

    [Fact]
    public void RepeatedAndChangedValues_EachRowHoldsWhatWasSetForIt()
    {
        using var insert = Insert();
        var longText = new string('x', 300);
        var rows = new (object A, object B, object C)[]
        {
            ("same", 1L, 0.5),
            ("same", 1L, 0.5),
            (new string("same".ToCharArray()), 2L, 0.5), // equal text, another instance
            (DBNull.Value, 2L, DBNull.Value),
            (DBNull.Value, 3, 1.5),
            (longText, 3L, 1.5),
            (new string('x', 300), 3L, -0.0),
            ("", 0L, 0.0),
        };

        for (var n = 0; n < rows.Length; n++)
        {
            SetRow(insert, n, rows[n].A, rows[n].B, rows[n].C);
            insert.Execute().Should().Be(1);
        }

        ReadRows().Should().Equal(rows.Select((r, n) => (Show((long)n), Show(r.A), Show(r.B), Show(r.C))));
    }

    [Fact]
    public void FailedBind_TheNextEqualValueIsBoundAgain()
    {
        using var insert = Insert();
        SetRow(insert, 0, "first", 1L, 1.0);
        insert.Execute();

        var act = () => insert.Set("@c", double.NaN);
        act.Should().Throw<InvalidOperationException>().WithMessage("*NaN*@c*");
        var bad = new object();
        var wrongType = () => insert.Set("@a", bad);
        wrongType.Should().Throw<ArgumentException>().WithMessage("*@a*string, long, int, double or DBNull*");
        wrongType.Should().Throw<ArgumentException>("a value that failed to bind is not remembered as bound");
        act.Should().Throw<InvalidOperationException>();

        insert.Set("@n", 1L);
        insert.Set("@a", "second");
        insert.Set("@c", 2.0);
        insert.Execute();

        ReadRows().Should().Equal(("0", "first", "1", "1.0"), ("1", "second", "1", "2.0"));
    }

    [Fact]
    public void UnknownName_IsIgnored()
    {
        using var insert = Insert();
        SetRow(insert, 7, "a", 1L, 1.0);
        insert.Set("@not_a_parameter", "ignored");
        insert.Execute().Should().Be(1);
        ReadRows().Should().Equal(("7", "a", "1", "1.0"));
    }

    private static void SetRow(WriterStatement insert, long n, object a, object b, object c)
    {
        insert.Set("@n", n);
        insert.Set("@a", a);
        insert.Set("@b", b);
        insert.Set("@c", c);
    }

    private WriterStatement Insert() => new(_connection, "INSERT INTO t (n, a, b, c) VALUES (@n, @a, @b, @c);");

    private List<(string, string, string, string)> ReadRows()
    {
        using var read = _connection.CreateCommand();
        read.CommandText = "SELECT n, a, b, c, typeof(a), typeof(c) FROM t ORDER BY n;";
        using var reader = read.ExecuteReader();
        var rows = new List<(string, string, string, string)>();
        while (reader.Read())
        {
            rows.Add((reader.GetInt64(0).ToString(System.Globalization.CultureInfo.InvariantCulture), Cell(reader, 1), Cell(reader, 2), Cell(reader, 3)));
        }

        return rows;
    }

    private static string Cell(SqliteDataReader reader, int column) => reader.IsDBNull(column) ? "NULL" : Show(reader.GetValue(column));

    private static string Show(object value) => value switch
    {
        DBNull => "NULL",
        double d => d.ToString("0.0##", System.Globalization.CultureInfo.InvariantCulture),
        int i => ((long)i).ToString(System.Globalization.CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
        _ => value.ToString()!,
    };
}
