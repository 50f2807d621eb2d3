/* The block explorer's static files (explorer/index.html, app.js, style.css), built into the
 * binary with the assembler's .incbin, so that any node serves GET /explorer with nothing else
 * on disk. The page talks only to this node's JSON-RPC (docs/explorer.md). */
#include <string.h>

#include "metrics.h"

/* Each file becomes NAME .. NAME_end in .rodata (paths are relative to the repository root,
 * where the build runs; mk/explorer.mk makes the object depend on them). */
#define EXPLORER_EMBED(name, path)                                                                       \
	__asm__(".pushsection .rodata\n.balign 16\n.hidden " #name "\n.globl " #name "\n" #name          \
		":\n.incbin \"" path "\"\n.hidden " #name "_end\n.globl " #name "_end\n" #name "_end:\n" \
		".byte 0\n.popsection\n")

EXPLORER_EMBED(svm_explorer_index_html, "explorer/index.html");
EXPLORER_EMBED(svm_explorer_app_js, "explorer/app.js");
EXPLORER_EMBED(svm_explorer_style_css, "explorer/style.css");

extern const char svm_explorer_index_html[], svm_explorer_index_html_end[];
extern const char svm_explorer_app_js[], svm_explorer_app_js_end[];
extern const char svm_explorer_style_css[], svm_explorer_style_css_end[];

typedef struct {
	const char *path;
	const char *content_type;
	const char *start, *end;
} explorer_file_t;

int node_explorer_get(const char *path, svm_buf_t *out, const char **content_type)
{
	const explorer_file_t files[] = {
		{"/explorer", "text/html; charset=utf-8", svm_explorer_index_html, svm_explorer_index_html_end},
		{"/explorer/", "text/html; charset=utf-8", svm_explorer_index_html, svm_explorer_index_html_end},
		{"/explorer/index.html", "text/html; charset=utf-8", svm_explorer_index_html,
		 svm_explorer_index_html_end},
		{"/explorer/app.js", "text/javascript; charset=utf-8", svm_explorer_app_js, svm_explorer_app_js_end},
		{"/explorer/style.css", "text/css; charset=utf-8", svm_explorer_style_css, svm_explorer_style_css_end},
	};
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		if (strcmp(path, files[i].path) != 0) continue;
		SVM_ASSERT(files[i].end >= files[i].start);
		*content_type = files[i].content_type;
		return svm_buf_append(out, files[i].start, (size_t)(files[i].end - files[i].start)) == 0 ? 200 : 500;
	}
	return 404;
}
