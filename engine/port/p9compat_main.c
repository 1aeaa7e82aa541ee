/* p9compat_main.c: the host's main for a Plan 9 program built with
 * p9compat.h (its `void main` is renamed p9main). */
#undef main /* p9compat.h renames the program's main, not this one */
void p9main(int argc, char **argv);

int
main(int argc, char **argv)
{
	p9main(argc, argv);
	return 0;
}
