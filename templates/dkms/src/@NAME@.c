// SPDX-License-Identifier: GPL-2.0
#include <linux/init.h>
#include <linux/module.h>

static int __init @IDENT@_init(void)
{
	pr_info("@NAME@: loaded\n");
	return 0;
}

static void __exit @IDENT@_exit(void)
{
	pr_info("@NAME@: unloaded\n");
}

module_init(@IDENT@_init);
module_exit(@IDENT@_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("@NAME@");
