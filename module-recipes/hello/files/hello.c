// The smallest module that imports a CRC-checked symbol (printk via pr_info) and says which
// build it is, so that tests can prove it loaded.
#include <linux/init.h>
#include <linux/module.h>

static char *tag = "hello";
module_param(tag, charp, 0444);
MODULE_PARM_DESC(tag, "word printed at load time");

static int __init hello_init(void)
{
	pr_info("wslmod-hello: loaded (%s)\n", tag);
	return 0;
}

static void __exit hello_exit(void)
{
	pr_info("wslmod-hello: unloaded\n");
}

module_init(hello_init);
module_exit(hello_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("wslmod test module");
